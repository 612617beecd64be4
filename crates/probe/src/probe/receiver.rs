//! The receive loop of one socket.

use super::{Datagram, ProbeMsg};
use crate::sys::{realtime_now, ProbeSocket, SocketKind};
use crate::wire::Family;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// Receives until `stop` is set. While the sender runs it owns the error queue
/// (TX stamps); once `sender_done` is set this loop drains queued ICMP errors too.
/// Until then an error-queue entry makes it wait `err_pause` before it looks again.
pub(crate) fn run_receiver(
    sock: &ProbeSocket,
    tx: &Sender<ProbeMsg>,
    stop: &AtomicBool,
    sender_done: &AtomicBool,
    err_pause: Duration,
) {
    let mut buf = vec![0u8; 65_536];
    let with_ip_header = sock.kind() == SocketKind::Raw && sock.family() == Family::V4;
    let mut queued = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let (readable, err) = match sock.wait(20) {
            Ok(r) => r,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
        };
        if readable {
            while let Ok(Some(meta)) = sock.recv(&mut buf) {
                let rx_user = realtime_now();
                let d = Datagram {
                    family: sock.family(),
                    with_ip_header,
                    from: meta.from,
                    rx_kernel: meta.rx_kernel,
                    rx_user,
                    ttl: meta.ttl,
                    bytes: buf[..meta.len.min(buf.len())].to_vec(),
                };
                if tx.send(ProbeMsg::Datagram(d)).is_err() {
                    return;
                }
            }
        } else if err {
            if sender_done.load(Ordering::Relaxed) {
                queued.clear();
                let _ = sock.drain_errqueue(&mut queued);
                for msg in queued
                    .iter()
                    .filter_map(|e| ProbeMsg::from_queued(sock.family(), e, realtime_now()))
                {
                    let _ = tx.send(msg);
                }
            } else {
                // The sender drains the error queue right after each send.
                std::thread::sleep(err_pause);
            }
        }
    }
}
