//! The thread that polls nova during a run: the server, its instance actions
//! (with their events) and its migration records, every `poll`, and once more
//! when stopped, so the run's last word from nova is in the run file.
//!
//! A failed poll is reported once as `connection_lost` (`detail.uri` =
//! nova's URL, `detail.reason`) and its recovery as `connection_restored`;
//! polling goes on either way.

use super::api::{ApiError, Nova};
use super::track::Tracker;
use migprobe_probe::record::{EventKind, EventLine};
use migprobe_probe::sys::realtime_now;
use serde_json::json;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running watch of one server.
#[derive(Debug)]
pub struct NovaWatch {
    /// Sending (or dropping it) ends the wait for the next poll: one last poll, then the end.
    stop: Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl NovaWatch {
    /// Starts polling server `id` every `poll`; events go to `tx`.
    pub fn start(nova: Nova, id: String, poll: Duration, tx: Sender<EventLine>) -> NovaWatch {
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("nova-watch".into())
            .spawn(move || watch(nova, &id, poll, &tx, &stopped))
            .ok();
        NovaWatch { stop, thread }
    }

    /// Polls once more and stops.
    pub fn stop(mut self) {
        let _ = self.stop.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn watch(mut nova: Nova, id: &str, poll: Duration, tx: &Sender<EventLine>, stop: &Receiver<()>) {
    let mut tracker = Tracker::new();
    let mut down = false;
    let mut last = false;
    loop {
        let started = Instant::now();
        match poll_once(&mut nova, id, &mut tracker) {
            Ok(events) => {
                if std::mem::take(&mut down) {
                    let _ = tx.send(link_event(EventKind::ConnectionRestored, &nova, None));
                }
                for e in events {
                    let _ = tx.send(e);
                }
            }
            Err(e) if !down => {
                down = true;
                let _ = tx.send(link_event(EventKind::ConnectionLost, &nova, Some(&e)));
            }
            Err(_) => {}
        }
        if last {
            return;
        }
        let wait = poll.saturating_sub(started.elapsed());
        last = !matches!(stop.recv_timeout(wait), Err(RecvTimeoutError::Timeout));
    }
}

/// One poll: the server, the actions to follow, the migration records (unless
/// nova refused them once: they are admin only by default).
fn poll_once(nova: &mut Nova, id: &str, t: &mut Tracker) -> Result<Vec<EventLine>, ApiError> {
    let server = nova.get(&format!("/servers/{id}"))?;
    let list = nova.get(&format!("/servers/{id}/os-instance-actions"))?;
    let mut details = Vec::new();
    for req in t.actions_to_fetch(&list) {
        details.push(nova.get(&format!("/servers/{id}/os-instance-actions/{req}"))?);
    }
    let mut refused = None;
    let migrations = if t.migrations_refused() {
        serde_json::Value::Null
    } else {
        match nova.get(&format!("/os-migrations?instance_uuid={id}")) {
            Err(e) if e.status() == Some(403) => {
                refused = Some(refused_note(&e));
                serde_json::Value::Null
            }
            r => r?,
        }
    };
    let now = realtime_now();
    let mut out: Vec<EventLine> = t.server(&server, now).into_iter().collect();
    for d in &details {
        out.extend(t.action(d, now));
    }
    out.extend(t.migrations(&migrations, now));
    if let Some(note) = refused {
        t.refuse_migrations();
        out.push(note);
    }
    t.first_poll_done();
    Ok(out)
}

/// The note saying nova's migration records are not shown to this user.
fn refused_note(e: &ApiError) -> EventLine {
    let message = "nova refused this user its migration records (os-migrations is admin only by \
                   default): nova's actions are in the report, the migration record's statuses are not";
    let detail =
        json!({ "note": "nova_migrations_refused", "message": message, "error": e.to_string() });
    EventLine::local(realtime_now(), EventKind::Note, detail)
}

fn link_event(kind: EventKind, nova: &Nova, e: Option<&ApiError>) -> EventLine {
    let mut detail = json!({ "uri": nova.compute_url(), "source": "nova" });
    if let Some(e) = e {
        detail["reason"] = json!(e.to_string());
    }
    EventLine::local(realtime_now(), kind, detail)
}
