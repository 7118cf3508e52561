//! What each dashboard on the folder finds of an API's reachability, so another one that only
//! reads the records (its operations polled by the first) says the same in its header. Kept in
//! the `meta` table, one key per API and process (`reach/cpp/<holder>`): no schema change, so
//! an older offerdeck on the folder is not refused for it.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::history::parse_time;
use super::{StateStore, StoreError, stamp};
use crate::domain::BackendKind;

/// The prefix of the `meta` keys.
const PREFIX: &str = "reach/";

/// One process's finding that an API does not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachFinding {
    pub api: BackendKind,
    /// The process that found it (`pid-random`, as leases name it).
    pub holder: String,
    pub unreachable_since: DateTime<Utc>,
    pub next_try: Option<DateTime<Utc>>,
}

impl StateStore {
    /// Records what `holder` finds of `api`: unreachable since then (with its next try), or
    /// answering (`None`: the finding is removed).
    pub fn record_reach(
        &self,
        api: BackendKind,
        holder: &str,
        unreachable: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    ) -> Result<(), StoreError> {
        let key = format!("{PREFIX}{}/{holder}", api.as_str());
        self.with_db(|conn| {
            match unreachable {
                Some((since, next)) => {
                    let value = format!("{} {}", stamp(since), next.map(stamp).unwrap_or_default());
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, ?2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        params![key, value.trim_end()],
                    )?;
                }
                None => {
                    conn.execute("DELETE FROM meta WHERE key = ?1", params![key])?;
                }
            }
            Ok(())
        })
    }

    /// What every other process found unreachable (a finding that does not read is skipped).
    pub fn reach_elsewhere(&self, holder: &str) -> Result<Vec<ReachFinding>, StoreError> {
        let rows: Vec<(String, String)> = self.with_db(|conn| {
            let mut statement =
                conn.prepare("SELECT key, value FROM meta WHERE key LIKE 'reach/%' ORDER BY key")?;
            let rows = statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(key, value)| {
                let (api, by) = key.strip_prefix(PREFIX)?.split_once('/')?;
                let api = BackendKind::ALL.into_iter().find(|k| k.as_str() == api)?;
                let mut times = value.split(' ');
                let since = parse_time(times.next()?)?;
                let next_try = times.next().and_then(parse_time);
                (by != holder).then(|| ReachFinding {
                    api,
                    holder: by.to_string(),
                    unreachable_since: since,
                    next_try,
                })
            })
            .collect())
    }

    /// Removes every finding of `holder` (the process stops).
    pub fn forget_reach(&self, holder: &str) -> Result<(), StoreError> {
        let pattern = format!("{PREFIX}%/{holder}");
        self.with_db(|conn| {
            conn.execute("DELETE FROM meta WHERE key LIKE ?1", params![pattern])
                .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_read_by_the_other_processes_only_and_removed_when_answered() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path());
        let since = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let next = since + chrono::Duration::seconds(5);
        store
            .record_reach(BackendKind::Cpp, "10-aa", Some((since, Some(next))))
            .unwrap();
        store
            .record_reach(BackendKind::Ingestion, "10-aa", Some((since, None)))
            .unwrap();
        assert!(store.reach_elsewhere("10-aa").unwrap().is_empty());
        let seen = store.reach_elsewhere("20-bb").unwrap();
        assert_eq!(
            seen,
            vec![
                ReachFinding {
                    api: BackendKind::Cpp,
                    holder: "10-aa".into(),
                    unreachable_since: since,
                    next_try: Some(next),
                },
                ReachFinding {
                    api: BackendKind::Ingestion,
                    holder: "10-aa".into(),
                    unreachable_since: since,
                    next_try: None,
                },
            ]
        );
        store.record_reach(BackendKind::Cpp, "10-aa", None).unwrap();
        assert_eq!(store.reach_elsewhere("20-bb").unwrap().len(), 1);
        store.forget_reach("10-aa").unwrap();
        assert!(store.reach_elsewhere("20-bb").unwrap().is_empty());
    }
}
