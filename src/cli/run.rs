//! What `main` runs: picks the dashboard, a headless command, the simulator or the demo.

use std::path::Path;

use super::commands;
use super::output::{Reporter, write_err, write_out};
use crate::cli::Exit;
use crate::cli::args::ImageCommand;
use crate::cli::{Cli, Command, HeadlessCommand};
use crate::config::{self, Config, ConfigError};
use crate::domain::OpKind;
use crate::engine::wiring::Context;
use crate::store::StateStore;

/// Runs the parsed command line to an exit code.
pub async fn run(cli: Cli) -> Exit {
    match cli.command {
        Some(Command::Simulate(args)) => simulate(args).await,
        // The history is in the state store: no config, no credentials needed.
        Some(Command::Headless(HeadlessCommand::History { offer, since, json })) => {
            let out = Reporter::new(json, "offerdeck", cli.verbose);
            // The demo keeps its records in a folder of its own.
            let store = match cli.demo {
                true => StateStore::open(&crate::demo::demo_dir()),
                false => StateStore::default_location(),
            };
            commands::history(&store, &out, offer.as_ref(), since)
        }
        Some(Command::Headless(command)) if cli.demo => {
            let given = cli.config.is_some();
            demo_command(given, cli.demo_time_scale, command, cli.verbose).await
        }
        Some(Command::Headless(command)) => {
            let Some(config) = load_config(cli.config.as_deref(), false) else {
                return Exit::Usage;
            };
            // `discover --backend X` needs the credentials of that API only.
            let only = match &command {
                HeadlessCommand::Discover {
                    backend: Some(kind),
                    ..
                } => Some(*kind),
                _ => None,
            };
            match context(config, None, None, only) {
                Ok(ctx) => headless(&ctx, command, cli.verbose).await,
                Err(exit) => exit,
            }
        }
        None => dashboard(&cli).await,
    }
}

/// A headless command on the demo: against the demo dashboard's simulator when one runs (so
/// both show one truth), else on a simulator of its own for the command's length.
async fn demo_command(
    config_given: bool,
    time_scale: f64,
    command: HeadlessCommand,
    verbose: bool,
) -> Exit {
    if config_given {
        write_err("error: --demo runs on the demo's own config; give --demo or --config, not both");
        return Exit::Usage;
    }
    let demo = match crate::demo::for_command(time_scale).await {
        Ok(d) => d,
        Err(e) => {
            write_err(&format!("error: could not start the demo simulator: {e}"));
            return Exit::Failed;
        }
    };
    let exit = match load_config(Some(demo.config_path()), false) {
        None => Exit::Usage,
        Some(config) => {
            let store = StateStore::open(demo.dir());
            match context(config, Some(store), Some("offerdeck --demo".into()), None) {
                Ok(ctx) => headless(&ctx, command, verbose).await,
                Err(exit) => exit,
            }
        }
    };
    demo.stop().await;
    exit
}

async fn headless(ctx: &Context, command: HeadlessCommand, verbose: bool) -> Exit {
    let json = match &command {
        HeadlessCommand::Offers { json }
        | HeadlessCommand::Status { json, .. }
        | HeadlessCommand::Publish { json, .. }
        | HeadlessCommand::Golive { json, .. }
        | HeadlessCommand::Cancel { json, .. }
        | HeadlessCommand::Discover { json, .. }
        | HeadlessCommand::History { json, .. }
        | HeadlessCommand::Watch { json, .. }
        | HeadlessCommand::Check { json, .. } => *json,
        HeadlessCommand::Image {
            command: ImageCommand::List { json, .. } | ImageCommand::Add { json, .. },
        } => *json,
        HeadlessCommand::Image {
            command: ImageCommand::Deprecate { target, .. } | ImageCommand::Restore { target },
        } => target.json,
    };
    // A long wait before a retry is said on stderr (the engine's commands say it through
    // the reporter; the others through this).
    if let Some(listener) = Reporter::new(json, &ctx.command, verbose).wait_listener() {
        ctx.backends.on_wait(listener);
    }
    match command {
        HeadlessCommand::Offers { json } => {
            commands::offers(ctx, &Reporter::new(json, &ctx.command, verbose)).await
        }
        HeadlessCommand::Status { offer, json } => {
            commands::status(ctx, &Reporter::new(json, &ctx.command, verbose), &offer).await
        }
        HeadlessCommand::Publish {
            offer,
            emails,
            wait,
            dry_run,
            if_changed,
            json,
        } => {
            let out = Reporter::new(json, &ctx.command, verbose);
            if dry_run {
                return super::draft::dry_run(ctx, &out, &offer).await;
            }
            if if_changed
                && let Some(exit) = super::draft::skip_unless_changed(ctx, &out, &offer).await
            {
                return exit;
            }
            commands::start(ctx, &out, OpKind::Publish, &offer, emails.as_deref(), wait).await
        }
        HeadlessCommand::Golive { offer, wait, json } => {
            commands::start(
                ctx,
                &Reporter::new(json, &ctx.command, verbose),
                OpKind::GoLive,
                &offer,
                None,
                wait,
            )
            .await
        }
        HeadlessCommand::Cancel { offer, wait, json } => {
            commands::start(
                ctx,
                &Reporter::new(json, &ctx.command, verbose),
                OpKind::Cancel,
                &offer,
                None,
                wait,
            )
            .await
        }
        HeadlessCommand::History { offer, since, json } => {
            let out = Reporter::new(json, &ctx.command, verbose);
            commands::history(&ctx.store, &out, offer.as_ref(), since)
        }
        HeadlessCommand::Discover {
            backend,
            publisher,
            all_types,
            add,
            offers,
            json,
        } => {
            let out = Reporter::new(json, &ctx.command, verbose);
            let request = super::discover::Request {
                backend,
                publishers: publisher,
                all_types,
                add: add.then_some(offers),
            };
            super::discover::run(ctx, &out, request).await
        }
        HeadlessCommand::Image {
            command:
                ImageCommand::List {
                    offer,
                    plan,
                    env,
                    json,
                },
        } => {
            let out = Reporter::new(json, &ctx.command, verbose);
            super::image::list(ctx, &out, &offer, plan.as_deref(), env).await
        }
        HeadlessCommand::Image {
            command:
                ImageCommand::Add {
                    offer,
                    plan,
                    version,
                    vhd,
                    data_disk,
                    gallery,
                    gallery_tenant,
                    image_type,
                    skip_blob_check,
                    dry_run,
                    publish,
                    wait,
                    json,
                },
        } => {
            let out = Reporter::new(json, &ctx.command, verbose);
            let request = super::image::AddRequest {
                plans: plan,
                version,
                vhd,
                data_disks: data_disk,
                gallery,
                gallery_tenant,
                image_type,
                skip_blob_check,
                dry_run,
                publish,
                wait,
            };
            super::image::add(ctx, &out, &offer, &request).await
        }
        HeadlessCommand::Check {
            offer,
            plan,
            version,
            vhd,
            gallery,
            gallery_tenant,
            json,
        } => {
            let out = Reporter::new(json, &ctx.command, verbose);
            let request = super::image::CheckRequest {
                on_plan: offer.map(|o| (o, plan, version)),
                vhd,
                gallery,
                gallery_tenant,
            };
            super::image::check(ctx, &out, request).await
        }
        HeadlessCommand::Image {
            command: ImageCommand::Deprecate { target, on },
        } => {
            let out = Reporter::new(target.json, &ctx.command, verbose);
            let change = crate::backend::images::LifecycleChange::Deprecate { on };
            super::image::lifecycle(ctx, &out, &target, change).await
        }
        HeadlessCommand::Image {
            command: ImageCommand::Restore { target },
        } => {
            let out = Reporter::new(target.json, &ctx.command, verbose);
            let change = crate::backend::images::LifecycleChange::Restore;
            super::image::lifecycle(ctx, &out, &target, change).await
        }
        HeadlessCommand::Watch {
            offers,
            url: None,
            json,
        } => super::watch::watch(ctx, &Reporter::new(json, &ctx.command, verbose), &offers).await,
        HeadlessCommand::Watch {
            offers,
            url: Some(url),
            json,
        } => {
            let out = Reporter::new(json, &ctx.command, verbose);
            if offers.len() > 1 {
                return commands::usage(
                    &out,
                    "--url follows one operation: give at most one offer with it",
                );
            }
            super::watch::watch_url(ctx, &out, &url, offers.first()).await
        }
    }
}

fn context(
    config: Config,
    store: Option<StateStore>,
    command: Option<String>,
    only: Option<crate::domain::BackendKind>,
) -> Result<Context, Exit> {
    for warning in &config.warnings {
        write_err(&format!("warning: {warning}"));
    }
    let built = match only {
        Some(kind) => crate::engine::wiring::backends_for(
            &config,
            kind == crate::domain::BackendKind::Cpp,
            kind == crate::domain::BackendKind::Ingestion,
        ),
        None => crate::engine::wiring::backends(&config),
    };
    let backends = match built {
        Ok(b) => b,
        Err(e) => {
            write_err(&format!("error: {e}"));
            return Err(super::exit::exit_for_setup(&e));
        }
    };
    for (kind, why) in backends.missing() {
        write_err(&format!(
            "warning: the {} offers cannot be read: {why}",
            kind.caps().api_name
        ));
    }
    let store = store.unwrap_or_else(StateStore::default_location);
    let backends = backends.remembering_in(&store);
    // Every request goes into the event log.
    backends.on_call(store.call_recorder());
    // Copies of the store a killed process left mid-write; a failure here changes nothing else.
    if let Err(e) = store.clean_debris() {
        tracing::warn!(error = %e, "could not look for stale copies of the state store");
    }
    let command = command.unwrap_or_else(|| crate::engine::wiring::command_for(&config.path));
    Ok(Context {
        config,
        backends,
        store,
        clock: crate::clock::Clock::System,
        command,
    })
}

/// Loads the config, printing a clear message (and for a missing file, how to start) on error.
fn load_config(flag: Option<&Path>, for_dashboard: bool) -> Option<Config> {
    let (path, how) = config::locate(flag);
    match config::load(&path, &how) {
        Ok(c) => Some(c),
        Err(ConfigError::NotFound { path, how }) => {
            write_err(&format!(
                "offerdeck has no config yet: nothing at {} ({how}).\n",
                path.display()
            ));
            write_err(
                "Create that file (or pass --config FILE, or set $OFFERDECK_CONFIG). For example:\n",
            );
            for line in config::EXAMPLE.lines() {
                write_err(&format!("    {line}"));
            }
            write_err("");
            if for_dashboard {
                write_err(
                    "Or try offerdeck first on its built-in simulator, no account needed:\n\n    offerdeck --demo\n",
                );
            } else {
                write_err("Or try the dashboard on the built-in simulator: offerdeck --demo");
            }
            None
        }
        Err(e) => {
            write_err(&format!("error: {e}"));
            write_err("(nothing was changed; fix the file and run again)");
            None
        }
    }
}

async fn dashboard(cli: &Cli) -> Exit {
    use std::io::IsTerminal;
    // Without a terminal there is nothing to draw on: say so before anything starts.
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        write_err(
            "error: the dashboard needs a terminal (stdin and stdout are not one); for scripts, use the headless commands (offerdeck --help lists them)",
        );
        return Exit::Usage;
    }
    let options = crate::tui::Options {
        ascii: cli.ascii,
        read_only: cli.read_only,
        no_mouse: cli.no_mouse,
        no_color: cli.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        title: String::new(),
    };
    if cli.demo {
        let demo = match crate::demo::start(cli.demo_time_scale).await {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                write_err(&format!("error: {e}"));
                return Exit::Usage;
            }
            Err(e) => {
                write_err(&format!("error: could not start the demo simulator: {e}"));
                return Exit::Failed;
            }
        };
        let Some(config) = load_config(Some(&demo.config_path), true) else {
            return Exit::Usage;
        };
        let store = StateStore::open(&demo.dir);
        let ctx = match context(config, Some(store), Some("offerdeck --demo".into()), None) {
            Ok(c) => c,
            Err(exit) => return exit,
        };
        let title = format!(
            "demo · simulator {}",
            demo.simulator.base_url().as_str().trim_end_matches('/')
        );
        let outcome = crate::tui::run(ctx, crate::tui::Options { title, ..options }).await;
        demo.simulator.stop().await;
        return exit_of(outcome);
    }
    let Some(config) = load_config(cli.config.as_deref(), true) else {
        return Exit::Usage;
    };
    let title = crate::paths::display(&config.path);
    match context(config, None, None, None) {
        Ok(ctx) => exit_of(crate::tui::run(ctx, crate::tui::Options { title, ..options }).await),
        Err(exit) => exit,
    }
}

/// The exit code of how the dashboard ended.
fn exit_of(outcome: crate::tui::Outcome) -> Exit {
    match outcome {
        crate::tui::Outcome::Done => Exit::Ok,
        crate::tui::Outcome::Failed => Exit::Failed,
    }
}

async fn simulate(args: crate::cli::SimulateArgs) -> Exit {
    let crate::cli::SimulateArgs {
        addr,
        time_scale,
        offers,
        latency,
        chaos,
        seed,
        require_version,
        require_schema_host,
        max_in_flight,
    } = args;
    if !addr.ip().is_loopback() {
        write_err(&format!(
            "error: the simulator only listens on loopback addresses (127.0.0.1, ::1); got {addr}"
        ));
        return Exit::Usage;
    }
    if !(time_scale.is_finite() && time_scale > 0.0) {
        write_err("error: --time-scale must be a positive number");
        return Exit::Usage;
    }
    let mut options = crate::sim::SimOptions::demo(time_scale);
    options
        .offers
        .extend(crate::sim::catalogue::bench_offers(offers));
    options.latency = latency;
    options.max_in_flight = max_in_flight.filter(|&n| n > 0);
    options.strictness = crate::sim::ingestion::Strictness {
        require_version,
        require_schema_host,
    };
    if !(0.0..=1.0).contains(&chaos) {
        write_err("error: --chaos is a share of answers, between 0 and 1");
        return Exit::Usage;
    }
    if chaos > 0.0 {
        options.chaos = Some(crate::sim::Chaos::even(chaos, seed));
    }
    let products: Vec<String> = options
        .products
        .iter()
        .map(|p| p.external_id.clone())
        .collect();
    let sim = match crate::sim::Simulator::start(addr, options).await {
        Ok(s) => s,
        Err(e) => {
            write_err(&format!("error: cannot listen on {addr}: {e}"));
            return Exit::Unreachable;
        }
    };
    let base = sim.base_url();
    write_out(&format!(
        "offerdeck simulator of the Cloud Partner Portal and Product Ingestion APIs listening on {base}"
    ));
    write_out(&format!(
        "  time scale: {time_scale} simulated seconds per second; latency: {}",
        humantime::format_duration(latency)
    ));
    write_out(&format!(
        "  token endpoint: {base}<tenant>/oauth2/token (client_id {}, secret {})",
        crate::sim::catalogue::DEMO_CLIENT_ID,
        crate::sim::catalogue::DEMO_CLIENT_SECRET
    ));
    let keys = sim.with_state(|s| s.offer_keys());
    let shown: Vec<&String> = keys.iter().filter(|k| !k.starts_with("bench/")).collect();
    write_out(&format!(
        "  offers: {}{}",
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        if offers > 0 {
            format!(" and {offers} under bench/")
        } else {
            String::new()
        }
    ));
    write_out(&format!(
        "  product ingestion API: {base}rp/product-ingestion (products: {})",
        products.join(", ")
    ));
    write_out(&format!(
        "  try:    export {}={}",
        crate::sim::catalogue::DEMO_SECRET_ENV,
        crate::sim::catalogue::DEMO_CLIENT_SECRET
    ));
    write_out("          offerdeck --config assets/demo.toml publish contoso/contoso-vm --wait");
    write_out("Ctrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    sim.stop().await;
    Exit::Ok
}
