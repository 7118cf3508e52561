//! Runs the effects `update` returns: what concerns offers and operations goes to the
//! engine; the rest (the config file, the opener) is a spawned task reporting back through the
//! message channel. No business logic here, and nothing blocks the drawing loop.

use std::path::PathBuf;

use tokio::sync::mpsc;

use super::msg::{Effect, Msg};
use crate::engine::Engine;

pub struct Executor {
    engine: Engine,
    config_path: PathBuf,
    tx: mpsc::Sender<Msg>,
}

impl Executor {
    pub fn new(engine: Engine, config_path: PathBuf, tx: mpsc::Sender<Msg>) -> Executor {
        Executor {
            engine,
            config_path,
            tx,
        }
    }

    pub fn run(&self, effects: Vec<Effect>) {
        for effect in effects {
            self.run_one(effect);
        }
    }

    fn run_one(&self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::Engine(command) => self.engine.send(command),
            Effect::SaveEmails { offer, emails } => {
                let path = self.config_path.clone();
                tokio::spawn(async move {
                    let target = offer.clone();
                    let saved = tokio::task::spawn_blocking(move || {
                        crate::config::set_notification_emails(&path, &target, &emails)
                            .map(|()| emails)
                    })
                    .await;
                    let result = match saved {
                        Ok(Ok(emails)) => Ok(emails),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(e) => Err(format!("the save task failed: {e}")),
                    };
                    let _ = tx.send(Msg::EmailsSaved { offer, result }).await;
                });
            }
            Effect::Open(url) => {
                tokio::spawn(open_reporting(url, tx));
            }
            Effect::AddOffers(offers) => {
                let path = self.config_path.clone();
                tokio::spawn(async move {
                    let saved = tokio::task::spawn_blocking(move || {
                        crate::config::append_offers(&path, &offers).map(|added| {
                            offers
                                .into_iter()
                                .filter(|o| added.contains(&o.id))
                                .collect::<Vec<_>>()
                        })
                    })
                    .await;
                    let result = match saved {
                        Ok(Ok(added)) => Ok(added),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(e) => Err(format!("the save task failed: {e}")),
                    };
                    let _ = tx.send(Msg::OffersAdded(result)).await;
                });
            }
            // Written to the terminal by the drawing loop, between frames; or handled by it.
            Effect::Copy(_) | Effect::Desktop(_) | Effect::Bell | Effect::Quit => {}
        }
    }

    /// Stops the engine and every follower (the operations go on at the service).
    pub fn shutdown(&self) {
        self.engine.shutdown();
    }
}

/// Opens a page off the async threads; says so when it could not.
async fn open_reporting(url: String, tx: mpsc::Sender<Msg>) {
    let opened = tokio::task::spawn_blocking({
        let url = url.clone();
        move || open_page(&url)
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    if let Err(why) = opened {
        let _ = tx.send(Msg::OpenFailed { url, why }).await;
    }
}

/// Opens a page with `$BROWSER` when set, else the system's opener; without a desktop to show
/// it on, says so (the dashboard then shows and copies the URL).
fn open_page(url: &str) -> Result<(), String> {
    if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        return std::process::Command::new(&browser)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", browser.to_string_lossy()));
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err("no desktop and no $BROWSER".into());
    }
    open::that_detached(url).map_err(|e| e.to_string())
}
