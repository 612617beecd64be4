//! nova's versioned notifications of the server, from the message bus, as
//! `nova_notification` events (`run --openstack-notifications URL`): each
//! `instance.*` notification whose payload names the server, with nova's own
//! microsecond timestamp in `source_ts_ns`.
//!
//! Listening is best effort: a bus that cannot be reached, or that closes the
//! connection, is one `note` (listed in the report) and the run goes on.

use super::amqp::{BusUrl, Consumer};
use crate::import::parse_timestamp;
use migprobe_probe::record::{kinds, EventLine};
use migprobe_probe::sys::realtime_now;
use migprobe_probe::types::RealNs;
use serde_json::{json, Value};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

/// The exchange nova publishes on (oslo.messaging's `control_exchange`).
const EXCHANGE: &str = "nova";
/// The routing keys of versioned notifications.
const KEYS: &[&str] = &[
    "versioned_notifications.info",
    "versioned_notifications.error",
];

/// A running listener.
#[derive(Debug)]
pub struct BusWatch {
    stopper: Option<TcpStream>,
    thread: Option<JoinHandle<()>>,
}

impl BusWatch {
    /// Connects (in its own thread) and sends the server's notifications to `tx`.
    pub fn start(url: BusUrl, server_id: String, tx: Sender<EventLine>) -> BusWatch {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("nova-bus".into())
            .spawn(move || listen(&url, &server_id, &tx, &ready_tx))
            .ok();
        let stopper = thread.as_ref().and_then(|_| ready_rx.recv().ok().flatten());
        BusWatch { stopper, thread }
    }

    /// Stops listening.
    pub fn stop(mut self) {
        if let Some(s) = self.stopper.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn listen(url: &BusUrl, id: &str, tx: &Sender<EventLine>, ready: &Sender<Option<TcpStream>>) {
    let where_ = format!("{}:{}", url.host, url.port);
    let mut consumer = match Consumer::connect(url, EXCHANGE, KEYS) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(None);
            let _ = tx.send(note("nova_notifications_unreachable", &format!(
                "nova's notifications were not recorded: the message bus at {where_} could not be listened to ({e})"
            )));
            return;
        }
    };
    let _ = ready.send(consumer.stopper().ok());
    let detail =
        json!({ "note": "nova_notifications_listening", "bus": where_, "exchange": EXCHANGE });
    let _ = tx.send(EventLine::local(realtime_now(), kinds::NOTE, detail));
    while let Ok(body) = consumer.next_message() {
        if let Some(e) = notification(&body, id, realtime_now()) {
            let _ = tx.send(e);
        }
    }
}

fn note(key: &str, message: &str) -> EventLine {
    EventLine::local(
        realtime_now(),
        kinds::NOTE,
        json!({ "note": key, "message": message }),
    )
}

/// The event of one bus message, when it is a notification about server `id`.
pub fn notification(body: &[u8], id: &str, seen: RealNs) -> Option<EventLine> {
    let outer: Value = serde_json::from_slice(body).ok()?;
    // oslo.messaging's envelope holds the message as a JSON string; older senders do not wrap.
    let msg: Value = match outer.get("oslo.message").and_then(Value::as_str) {
        Some(inner) => serde_json::from_str(inner).ok()?,
        None => outer,
    };
    let data = msg.get("payload")?.get("nova_object.data")?;
    if data.get("uuid").and_then(Value::as_str) != Some(id) {
        return None;
    }
    let fault = data
        .get("fault")
        .and_then(|f| f.get("nova_object.data"))
        .and_then(|f| f.get("exception_message"))
        .cloned();
    let detail = json!({
        "event_type": msg.get("event_type"),
        "publisher_id": msg.get("publisher_id"),
        "priority": msg.get("priority"),
        "host": data.get("host"),
        "state": data.get("state"),
        "task_state": data.get("task_state"),
        "fault": fault,
    });
    let ts = msg
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp);
    Some(EventLine {
        source_ts_ns: ts,
        ..EventLine::local(seen, kinds::NOVA_NOTIFICATION, detail)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "e3607e55-0bf3-40fc-8461-eebb4f16ea89";

    fn wrapped(uuid: &str) -> Vec<u8> {
        let inner = json!({
            "message_id": "m", "publisher_id": "nova-compute:node02", "event_type": "instance.live_migration_pre.start",
            "priority": "INFO", "timestamp": "2026-11-30 18:09:28.123456",
            "payload": {"nova_object.name": "InstanceActionPayload", "nova_object.data": {
                "uuid": uuid, "host": "node01", "state": "active", "task_state": "migrating", "fault": null}}
        });
        serde_json::to_vec(&json!({"oslo.version": "2.0", "oslo.message": inner.to_string()}))
            .unwrap()
    }

    #[test]
    fn the_servers_notifications_with_novas_microseconds() {
        let e = notification(&wrapped(ID), ID, RealNs(5)).unwrap();
        assert_eq!(e.kind, kinds::NOVA_NOTIFICATION);
        assert_eq!(e.detail["event_type"], "instance.live_migration_pre.start");
        assert_eq!(e.detail["publisher_id"], "nova-compute:node02");
        assert_eq!(
            e.source_ts_ns,
            parse_timestamp("2026-11-30T18:09:28.123456Z")
        );
        assert_eq!(e.at_ns, RealNs(5));
    }

    #[test]
    fn other_servers_and_junk_are_nothing() {
        assert!(notification(&wrapped("other"), ID, RealNs(0)).is_none());
        for junk in [
            &b"not json"[..],
            b"{}",
            b"{\"oslo.message\": \"{bad\"}",
            b"[1]",
            b"{\"payload\": 3}",
        ] {
            assert!(notification(junk, ID, RealNs(0)).is_none());
        }
    }
}
