//! The dashboard: one task owns the state; terminal events and background results arrive as
//! messages; `update` turns them into effects the executor spawns; the screen is redrawn only
//! when something changed, and a tick runs only while something animates.

pub mod executor;
pub mod input;
pub mod keys;
pub mod msg;
pub mod overlay;
pub mod row;
pub mod state;
pub mod table;
pub mod theme;
mod update;
pub mod view;

use std::io::Write;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::engine::wiring::Context;
use crate::engine::{Engine, EngineEvent, FollowPolicies, News};
use crate::term::{write_err, write_out};
use executor::Executor;
use msg::{Effect, Msg};
use state::App;
use theme::Theme;

/// Display options from the command line and the environment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub ascii: bool,
    pub read_only: bool,
    pub no_mouse: bool,
    pub no_color: bool,
    pub title: String,
}

/// How the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The user quit (or a signal asked it to stop): the operations go on at the service.
    Done,
    /// It could not start, or the terminal failed.
    Failed,
}

/// How often the spinner and relative times move while something is pending.
const TICK: Duration = Duration::from_millis(200);
/// Stands for "never" where a duration is needed.
const IDLE: Duration = Duration::from_secs(3_600);

/// Restores the terminal however the dashboard ends (return, `?`, or a panic unwinding).
struct TerminalGuard {
    /// Mouse capture was turned on, so it is turned off again.
    mouse: bool,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
        ratatui::restore();
    }
}

pub async fn run(ctx: Context, options: Options) -> Outcome {
    let Context {
        config,
        backends,
        store,
        clock,
        command,
    } = ctx;
    let theme = Theme {
        color: !(options.no_color || config.ui.no_color),
        ascii: options.ascii || config.ui.ascii,
    };
    let notifier = match crate::engine::notify::Notifier::from_config(&config.notify) {
        Ok(n) => n,
        Err(e) => {
            write_err(&format!("error: {e}"));
            return Outcome::Failed;
        }
    };
    let setup = crate::engine::Setup {
        backends,
        store,
        clock: clock.clone(),
        policies: FollowPolicies::from_config(&config),
        notifier,
        desktop: config.notify.desktop,
        read_only: config.ui.read_only || options.read_only,
        only_tracked: false,
        resume: true,
        on_wait: None,
        follow_starts: true,
    };
    let offers = config
        .offers
        .iter()
        .map(|o| (o.id.clone(), o.backend))
        .collect();
    let started = match Engine::start(setup, offers) {
        Ok(started) => started,
        Err(e) => {
            write_err(&format!("error: {e}"));
            return Outcome::Failed;
        }
    };
    let (tx, mut rx) = mpsc::channel::<Msg>(256);
    // The engine's events reach `update` as messages, in order, like every other input.
    let mut engine_events = started.events;
    let forward = tx.clone();
    tokio::spawn(async move {
        while let Some(event) = engine_events.recv().await {
            if forward.send(Msg::Engine(event)).await.is_err() {
                break;
            }
        }
    });
    let (mut app, effects) = App::new(&config, &options.title, started.offers, clock.now());
    app.read_only |= options.read_only;
    // A store found unreadable at start was moved aside: said on screen, not only in the log.
    for notice in started.notices {
        let news = News::StoreProblem(notice);
        app.update(
            Msg::Engine(EngineEvent::News { offer: None, news }),
            clock.now(),
        );
    }
    if started.resumed > 0 {
        let news = News::Resumed {
            count: started.resumed,
            at_start: true,
        };
        app.update(
            Msg::Engine(EngineEvent::News { offer: None, news }),
            clock.now(),
        );
    }
    let executor = Executor::new(started.engine, config.path.clone(), tx);
    executor.run(effects);

    // ratatui::init installs a panic hook that restores the terminal before the message prints.
    let mut terminal = ratatui::init();
    let mouse = !options.no_mouse && config.ui.mouse;
    let _guard = TerminalGuard { mouse };
    if mouse
        && let Err(e) = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
    {
        tracing::warn!(error = %e, "could not turn on the mouse");
    }
    if let Ok(size) = terminal.size() {
        app.update(
            Msg::Resize {
                width: size.width,
                height: size.height,
            },
            clock.now(),
        );
    }
    let mut events = EventStream::new();
    // Asked to stop from outside (kill, a closed terminal, Ctrl-C sent as a signal): leave the
    // way `q` does, so the terminal is restored.
    let mut stop = Stop::new();
    let mut tstp = SuspendSignal::new();
    // Idle offers are read again on a slow cadence; nothing runs in between.
    let refresh_every = config.ui.refresh;
    let mut refresh =
        tokio::time::interval_at(tokio::time::Instant::now() + refresh_every, refresh_every);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tracing::info!(offers = app.table.rows.len(), "dashboard started");

    let mut first_frame = true;
    // What a background message changes waits for the next tick while something animates (at
    // most one tick away): many polls answer between two ticks, and one frame shows them all.
    // Input, ticks and a still screen draw at once.
    let mut draw_due = true;
    loop {
        if first_frame && app.is_dirty() {
            first_frame = false;
            if let Err(e) = terminal.draw(|frame| view::render(&app, &theme, frame)) {
                tracing::error!(error = %e, "drawing failed");
                break;
            }
            app.take_dirty();
            tracing::info!(
                ms = crate::process_start().elapsed().as_secs_f64() * 1e3,
                "first frame drawn"
            );
        }
        if std::mem::take(&mut draw_due)
            && app.take_dirty()
            && let Err(e) = terminal.draw(|frame| view::render(&app, &theme, frame))
        {
            tracing::error!(error = %e, "drawing failed");
            break;
        }
        if app.quit {
            break;
        }
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key)))
                    if key.kind == KeyEventKind::Press
                        && key.code == crossterm::event::KeyCode::Char('z')
                        && key.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) =>
                {
                    suspend(&mut terminal, mouse);
                    app.mark_dirty();
                    draw_due = true;
                    continue;
                }
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => Msg::Key(key),
                Some(Ok(Event::Resize(width, height))) => Msg::Resize { width, height },
                Some(Ok(Event::Mouse(mouse))) => Msg::Mouse(mouse),
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    tracing::error!(error = %e, "terminal input failed");
                    break;
                }
                None => break,
            },
            Some(msg) = rx.recv() => msg,
            _ = tick.tick(), if app.is_animating() => Msg::Tick,
            // Nothing animates: wake only when the header's age would read differently.
            _ = tokio::time::sleep(app.next_change_in().unwrap_or(IDLE)), if !app.is_animating() && app.next_change_in().is_some() => Msg::Tick,
            _ = refresh.tick() => Msg::RefreshDue,
            () = tstp.next() => {
                suspend(&mut terminal, mouse);
                app.mark_dirty();
                draw_due = true;
                continue;
            }
            signal = stop.next() => {
                tracing::info!(signal, "stopping on a signal");
                break;
            }
        };
        let answers_the_user = matches!(
            msg,
            Msg::Key(_) | Msg::Mouse(_) | Msg::Resize { .. } | Msg::Tick
        );
        let mut effects = app.update(msg, clock.now());
        // Take in everything else already waiting before drawing once.
        while let Ok(more) = rx.try_recv() {
            effects.extend(app.update(more, clock.now()));
        }
        draw_due = answers_the_user || !app.is_animating();
        if effects.contains(&Effect::Bell) {
            let mut out = std::io::stdout();
            let _ = out.write_all(b"\x07").and_then(|()| out.flush());
        }
        for effect in &effects {
            let escape = match effect {
                Effect::Copy(text) => osc52(text),
                Effect::Desktop(notice) => notice.desktop_escapes(),
                _ => continue,
            };
            let mut out = std::io::stdout();
            let _ = out.write_all(escape.as_bytes()).and_then(|()| out.flush());
        }
        executor.run(effects);
    }
    executor.shutdown();
    drop(terminal);
    let in_flight = app.in_flight();
    drop(_guard);
    if in_flight > 0 {
        write_out(&format!(
            "{in_flight} operation(s) still in flight at the service; `{command}` resumes them when it starts again{}.",
            if command.ends_with("--demo") {
                String::new()
            } else {
                format!(" (or run `{command} watch`)")
            }
        ));
    }
    Outcome::Done
}

/// The terminal escape that puts `text` on the clipboard (OSC 52): it works over SSH, and in
/// tmux with `set-clipboard on`. crossterm's `CopyToClipboard` writes it; the text is base64, so
/// nothing in it reaches the terminal raw.
pub fn osc52(text: &str) -> String {
    let mut escape = String::new();
    // Writing a command into a String cannot fail; an empty escape would copy nothing.
    let _ = crossterm::Command::write_ansi(
        &crossterm::clipboard::CopyToClipboard::to_clipboard_from(text),
        &mut escape,
    );
    escape
}

/// Suspends the process as a shell's job control expects (SIGTSTP from `kill`, or Ctrl-Z, which
/// raw mode delivers as a key): the terminal is given back as it was (no alternate screen, a
/// visible cursor, no mouse capture), the process stops, and once continued (`fg`, SIGCONT) the
/// dashboard takes the terminal again and the next draw repaints it whole.
#[cfg(unix)]
fn suspend(terminal: &mut ratatui::DefaultTerminal, mouse: bool) {
    use crossterm::{cursor, event, execute, terminal as term};
    let mut out = std::io::stdout();
    if mouse {
        let _ = execute!(out, event::DisableMouseCapture);
    }
    let _ = execute!(out, term::LeaveAlternateScreen, cursor::Show);
    let _ = term::disable_raw_mode();
    tracing::info!("suspended");
    // SAFETY: raise sends a signal to this process; SIGSTOP cannot be caught, and execution
    // continues here once the process is continued.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
    tracing::info!("continued");
    if let Err(e) = term::enable_raw_mode()
        .and_then(|()| execute!(out, term::EnterAlternateScreen, cursor::Hide))
    {
        tracing::warn!(error = %e, "could not take the terminal back after a suspend");
    }
    if mouse {
        let _ = execute!(out, event::EnableMouseCapture);
    }
    // What was on screen before is gone: an empty frame makes ratatui's idea of the screen
    // blank too, so the next frame is drawn whole. (`Terminal::clear` would ask the terminal
    // for the cursor position, whose answer the input reader may swallow.)
    if let Err(e) = execute!(out, term::Clear(term::ClearType::All))
        .and_then(|()| terminal.draw(|_| {}).map(|_| ()))
    {
        tracing::warn!(error = %e, "could not clear the screen after a suspend");
    }
}

/// SIGTSTP, when it can be listened for (the default would stop the process with the terminal
/// still in raw mode on the alternate screen).
struct SuspendSignal {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl SuspendSignal {
    fn new() -> SuspendSignal {
        SuspendSignal {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(
                libc::SIGTSTP,
            ))
            .ok(),
        }
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        if let Some(s) = &mut self.signal {
            s.recv().await;
            return;
        }
        std::future::pending().await
    }
}

#[cfg(not(unix))]
fn suspend(_terminal: &mut ratatui::DefaultTerminal, _mouse: bool) {}

/// The signals that end the dashboard: SIGTERM, SIGHUP and SIGINT.
struct Stop {
    #[cfg(unix)]
    signals: Vec<(tokio::signal::unix::Signal, &'static str)>,
}

impl Stop {
    fn new() -> Stop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = [
                (SignalKind::terminate(), "SIGTERM"),
                (SignalKind::hangup(), "SIGHUP"),
                (SignalKind::interrupt(), "SIGINT"),
            ]
            .into_iter()
            .filter_map(|(kind, name)| signal(kind).ok().map(|s| (s, name)))
            .collect();
            Stop { signals }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    /// The name of the next signal received.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            if self.signals.is_empty() {
                return std::future::pending().await;
            }
            let waits = self.signals.iter_mut().map(|(s, name)| {
                Box::pin(async move {
                    s.recv().await;
                    *name
                })
            });
            futures::future::select_all(waits).await.0
        }
        #[cfg(not(unix))]
        std::future::pending().await
    }
}
