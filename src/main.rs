//! offerdeck's entry point: parse the command line, log to a file, run.

use std::process::ExitCode;

use clap::Parser;

/// Runtime worker threads at most.
const MAX_WORKERS: usize = 4;

fn main() -> ExitCode {
    offerdeck::process_start();
    let cli = offerdeck::cli::Cli::parse();
    if cli.demo
        && std::env::var_os(offerdeck::sim::catalogue::DEMO_SECRET_ENV).is_none_or(|v| v.is_empty())
    {
        // SAFETY: no other thread exists yet (the runtime starts below), so nothing can read the
        // environment concurrently. The value only opens the embedded simulator.
        unsafe {
            std::env::set_var(
                offerdeck::sim::catalogue::DEMO_SECRET_ENV,
                offerdeck::sim::catalogue::DEMO_CLIENT_SECRET,
            );
        }
    }
    let log_name = if matches!(cli.command, Some(offerdeck::cli::Command::Simulate(_))) {
        "simulator.log"
    } else {
        "offerdeck.log"
    };
    let _log = match offerdeck::logging::init(log_name) {
        Ok(log) => Some(log),
        Err(why) => {
            // Said once; the command goes on without a log.
            offerdeck::cli::output::write_err(&format!("warning: {why}"));
            None
        }
    };
    // The work is waiting on the network: a few threads serve it, and each thread costs memory
    // (its stack and its allocator arena), so a many-core machine does not get one per core.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, MAX_WORKERS));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            offerdeck::cli::output::write_err(&format!(
                "error: cannot start the async runtime: {e}"
            ));
            return ExitCode::FAILURE;
        }
    };
    let exit = runtime.block_on(offerdeck::cli::run::run(cli));
    // Background pollers must not keep the process alive once the result is known.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    exit.into()
}
