//! Runs the effects `update` returns: every one is a spawned task reporting back through the
//! message channel. Nothing here blocks the drawing loop.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::app::{Effect, Msg};
use crate::api::{CppClient, OpKind};
use crate::ops::{self, FollowPolicy};
use crate::store::{OperationRecord, StateStore};

pub struct Executor {
    client: CppClient,
    store: StateStore,
    config_path: PathBuf,
    policy: FollowPolicy,
    tx: mpsc::Sender<Msg>,
    root: CancellationToken,
    /// One poller per operation URL.
    followers: HashMap<String, CancellationToken>,
}

impl Executor {
    pub fn new(
        client: CppClient,
        store: StateStore,
        config_path: PathBuf,
        poll_interval: Duration,
        tx: mpsc::Sender<Msg>,
    ) -> Executor {
        Executor {
            client,
            store,
            config_path,
            policy: FollowPolicy::every(poll_interval),
            tx,
            root: CancellationToken::new(),
            followers: HashMap::new(),
        }
    }

    pub fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.run_one(effect);
        }
    }

    fn run_one(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::LoadStatus {
                row,
                publisher,
                offer,
            } => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let result = client.offer_status(&publisher, &offer).await;
                    let _ = tx.send(Msg::StatusLoaded { row, result }).await;
                });
            }
            Effect::Start {
                row,
                kind,
                publisher,
                offer,
                emails,
            } => {
                let client = self.client.clone();
                let store = self.store.clone();
                tokio::spawn(async move {
                    let result =
                        ops::start(&client, &store, kind, &publisher, &offer, &emails).await;
                    let _ = tx.send(Msg::Started { row, kind, result }).await;
                });
            }
            Effect::Follow { row, record } => {
                self.followers.retain(|_, token| !token.is_cancelled());
                if self.followers.contains_key(&record.operation_url) {
                    return;
                }
                let token = self.root.child_token();
                self.followers
                    .insert(record.operation_url.clone(), token.clone());
                let client = self.client.clone();
                let store = Some(self.store.clone());
                let policy = self.policy;
                let done = token.clone();
                tokio::spawn(async move {
                    ops::follow(client, store, *record, policy, token, tx, move |event| {
                        Msg::Follow { row, event }
                    })
                    .await;
                    // Lets a later Ctrl-r start a new poller for the same operation.
                    done.cancel();
                });
            }
            Effect::SaveEmails {
                row,
                publisher,
                offer,
                emails,
            } => {
                let path = self.config_path.clone();
                tokio::spawn(async move {
                    let saved = tokio::task::spawn_blocking(move || {
                        crate::config::set_notification_emails(&path, &publisher, &offer, &emails)
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
            Effect::Discover {
                row,
                publisher,
                offer,
            } => {
                let client = self.client.clone();
                let store = self.store.clone();
                tokio::spawn(async move {
                    let found = match client.running_submission(&publisher, &offer).await {
                        Ok(Some(submission)) if !submission.id.is_empty() => submission,
                        Ok(_) => return,
                        Err(e) => {
                            tracing::warn!(publisher, offer, error = %e, "could not look for the running operation");
                            return;
                        }
                    };
                    let kind = if OpKind::GoLive.matches_submission_type(&found.submission_type) {
                        OpKind::GoLive
                    } else {
                        OpKind::Publish
                    };
                    let url = client.operation_url(&publisher, &offer, &found.id);
                    let record = OperationRecord::new(&publisher, &offer, kind, url.as_str(), &[]);
                    if let Err(e) = store.upsert(&record) {
                        tracing::error!(error = %e, "could not record the discovered operation");
                    }
                    let _ = tx.send(Msg::Discovered { row, record }).await;
                });
            }
            Effect::LoadStore => {
                let store = self.store.clone();
                tokio::spawn(async move {
                    let read = tokio::task::spawn_blocking(move || store.unfinished()).await;
                    let result = match read {
                        Ok(Ok(records)) => Ok(records),
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

    /// Stops every poller (the operations go on at the service).
    pub fn shutdown(&self) {
        self.root.cancel();
    }
}
