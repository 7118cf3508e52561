//! Runs the effects `update` returns: every one is a spawned task reporting back through the
//! message channel. No business logic here, and nothing blocks the drawing loop.

use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::msg::{Effect, Msg};
use crate::backend::Backends;
use crate::clock::Clock;
use crate::domain::OpKind;
use crate::ops;
use crate::store::StateStore;

/// Where CPP offers not yet moved to Partner Center are managed.
const CPP_PORTAL: &str = "https://cloudpartner.azure.com/";

/// Lines of the event log read at once (the newest).
const LOG_LINES: usize = 2_000;

pub struct Executor {
    backends: Backends,
    store: StateStore,
    clock: Clock,
    config_path: PathBuf,
    policies: ops::FollowPolicies,
    /// The webhook and command of `[notify]`, when there are any.
    notifier: Option<crate::notify::Notifier>,
    tx: mpsc::Sender<Msg>,
    /// Cancels every follower at shutdown (the operations go on at the service).
    root: CancellationToken,
}

impl Executor {
    pub fn new(
        backends: Backends,
        store: StateStore,
        clock: Clock,
        config_path: PathBuf,
        policies: ops::FollowPolicies,
        notifier: Option<crate::notify::Notifier>,
        tx: mpsc::Sender<Msg>,
    ) -> Executor {
        Executor {
            backends,
            store,
            clock,
            config_path,
            policies,
            notifier,
            tx,
            root: CancellationToken::new(),
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
            Effect::LoadStatus {
                row,
                offer,
                backend,
            } => {
                let backend = self.backends.require(backend).cloned();
                tokio::spawn(async move {
                    let result = match backend {
                        Ok(backend) => backend.status(&offer).await,
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(Msg::StatusLoaded { row, result }).await;
                });
            }
            Effect::Start {
                row,
                kind,
                offer,
                backend,
                emails,
            } => {
                let backend = self.backends.require(backend).cloned();
                let store = self.store.clone();
                let now = self.clock.now();
                tokio::spawn(async move {
                    let result = match backend {
                        Err(e) => Err(e),
                        Ok(backend) if kind == OpKind::Cancel => {
                            ops::cancel(&backend, &store, &offer, now).await
                        }
                        Ok(backend) => ops::start(&backend, &store, kind, &offer, &emails, now)
                            .await
                            .map(Some),
                    };
                    let _ = tx.send(Msg::Started { row, kind, result }).await;
                });
            }
            Effect::Follow { row, operation } => {
                let backend = match self.backends.require(operation.backend) {
                    Ok(backend) => backend.clone(),
                    // Its API is not configured: stopped with that error, not lost.
                    Err(e) => {
                        let event = ops::FollowEvent::Stopped {
                            operation: *operation,
                            error: Some(e),
                        };
                        tokio::spawn(async move {
                            let _ = tx.send(Msg::Follow { row, event }).await;
                        });
                        return;
                    }
                };
                let policy = self.policies.of(operation.backend);
                tokio::spawn(ops::follow(
                    backend,
                    Some(self.store.clone()),
                    *operation,
                    policy,
                    self.clock.clone(),
                    self.root.child_token(),
                    tx,
                    move |event| Msg::Follow { row, event },
                ));
            }
            Effect::SaveEmails { row, offer, emails } => {
                let path = self.config_path.clone();
                tokio::spawn(async move {
                    let saved = tokio::task::spawn_blocking(move || {
                        crate::config::set_notification_emails(&path, &offer, &emails)
                            .map(|()| emails)
                    })
                    .await;
                    let result = match saved {
                        Ok(Ok(emails)) => Ok(emails),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(e) => Err(format!("the save task failed: {e}")),
                    };
                    let _ = tx.send(Msg::EmailsSaved { row, result }).await;
                });
            }
            Effect::ListAvailable { publishers } => {
                let backends = self.backends.clone();
                tokio::spawn(async move {
                    let mut found = Vec::new();
                    let mut errors = Vec::new();
                    for (kind, publishers) in publishers {
                        let Some(backend) = backends.get(kind) else {
                            continue;
                        };
                        match ops::available(backend, &publishers, false).await {
                            Ok(offers) => found.extend(offers.into_iter().map(|o| (kind, o))),
                            Err(e) => errors.push(format!("{kind}: {e}")),
                        }
                    }
                    let _ = tx.send(Msg::AvailableListed { found, errors }).await;
                });
            }
            Effect::Open(url) => {
                tokio::spawn(open_reporting(url, tx));
            }
            Effect::OpenOffer { offer, backend } => {
                let backend = self.backends.require(backend).cloned();
                tokio::spawn(async move {
                    let found = match backend {
                        Ok(backend) => backend.resolve(&offer).await,
                        Err(e) => Err(e),
                    };
                    let url = match found {
                        Ok(found) => found.portal_url.unwrap_or_else(|| CPP_PORTAL.into()),
                        Err(e) => {
                            tracing::warn!(%offer, error = %e, "could not read the offer's page");
                            CPP_PORTAL.into()
                        }
                    };
                    open_reporting(url, tx).await;
                });
            }
            // Written to the terminal by the drawing loop, between frames.
            Effect::Copy(_) => {}
            Effect::Notify(notice) => {
                if let Some(notifier) = self.notifier.clone() {
                    tokio::spawn(async move {
                        for problem in notifier.send(&notice).await {
                            let _ = tx.send(Msg::NotifyProblem(problem)).await;
                        }
                    });
                }
            }
            Effect::LoadDiff {
                row,
                offer,
                backend,
            } => {
                let backend = self.backends.require(backend).cloned();
                tokio::spawn(async move {
                    let result = match backend {
                        Ok(backend) => backend.what_will_change(&offer).await,
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(Msg::DiffLoaded { row, result }).await;
                });
            }
            Effect::LoadLog => {
                let store = self.store.clone();
                tokio::spawn(async move {
                    let read = tokio::task::spawn_blocking(move || store.log(LOG_LINES)).await;
                    match read {
                        Ok(Ok(entries)) => {
                            let _ = tx.send(Msg::LogLoaded(entries)).await;
                        }
                        Ok(Err(e)) => tracing::warn!(error = %e, "could not read the event log"),
                        Err(e) => tracing::warn!(error = %e, "the event log task failed"),
                    }
                });
            }
            Effect::LoadEstimates => {
                let store = self.store.clone();
                tokio::spawn(async move {
                    let read = tokio::task::spawn_blocking(move || store.estimates()).await;
                    match read {
                        Ok(Ok(estimates)) => {
                            let _ = tx.send(Msg::EstimatesLoaded(estimates)).await;
                        }
                        Ok(Err(e)) => tracing::warn!(error = %e, "could not read the history"),
                        Err(e) => tracing::warn!(error = %e, "the history task failed"),
                    }
                });
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
            Effect::Discover {
                row,
                offer,
                backend,
            } => {
                let backend = self.backends.require(backend).cloned();
                let store = self.store.clone();
                let now = self.clock.now();
                tokio::spawn(async move {
                    let found = match backend {
                        Ok(backend) => ops::discover(&backend, &store, &offer, now).await,
                        Err(e) => Err(e),
                    };
                    match found {
                        Ok(Some(operation)) => {
                            let _ = tx.send(Msg::Discovered { row, operation }).await;
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(%offer, error = %e, "could not look for the running operation");
                        }
                    }
                    for notice in store.take_notices() {
                        let _ = tx.send(Msg::StoreProblem(notice)).await;
                    }
                });
            }
            Effect::LoadStore => {
                let store = self.store.clone();
                tokio::spawn(async move {
                    let reader = store.clone();
                    let read = tokio::task::spawn_blocking(move || reader.unfinished()).await;
                    for notice in store.take_notices() {
                        let _ = tx.send(Msg::StoreProblem(notice)).await;
                    }
                    let result = match read {
                        Ok(Ok(operations)) => Ok(operations),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(e) => Err(format!("the read task failed: {e}")),
                    };
                    let _ = tx.send(Msg::StoreLoaded(result)).await;
                });
            }
            // Handled by the loop, which owns the terminal.
            Effect::Bell | Effect::Quit => {}
        }
    }

    /// Stops every follower (the operations go on at the service).
    pub fn shutdown(&self) {
        self.root.cancel();
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
