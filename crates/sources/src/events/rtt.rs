//! Timed round trips on a libvirt connection, for the estimate of each
//! host's clock against the prober's (see the analysis' `clocks`): a cheap
//! call that always reaches the daemon (`virConnectGetLibVersion`), timed on
//! CLOCK_MONOTONIC and placed on the realtime line at its middle. Only a
//! side's fastest round trip so far is worth writing: the estimate uses the
//! minimum.

use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventLine, Origin};
use migprobe_probe::sys::{monotonic_now, realtime_now};
use migprobe_probe::types::RealNs;
use serde_json::json;
use virt::connect::Connect;

/// One side's fastest round trip so far.
#[derive(Debug, Default)]
pub(crate) struct BestRtt {
    best_ns: Option<i64>,
}

impl BestRtt {
    /// Times one round trip on `conn`; the `connection_rtt` event to write
    /// when it is the fastest yet (none when the call failed or was slower).
    pub(crate) fn sample(
        &mut self,
        conn: &Connect,
        origin: Origin,
        uri: &str,
    ) -> Option<EventLine> {
        let (at, rtt_ns) = timed(|| conn.lib_version().is_ok())?;
        self.offer(rtt_ns).then(|| EventLine {
            at_ns: at,
            source_ts_ns: None,
            origin,
            kind: kinds::CONNECTION_RTT,
            detail: json!({ "uri": uri, "rtt_ns": rtt_ns }),
            raw: None,
        })
    }

    /// Keeps `rtt_ns` if it is the fastest; true when it is.
    fn offer(&mut self, rtt_ns: i64) -> bool {
        let faster = self.best_ns.is_none_or(|b| rtt_ns < b);
        if faster {
            self.best_ns = Some(rtt_ns);
        }
        faster
    }
}

/// Runs `call`; when it succeeds, the realtime of its middle and its duration (ns).
fn timed(call: impl FnOnce() -> bool) -> Option<(RealNs, i64)> {
    let (real0, mono0) = (realtime_now(), monotonic_now());
    let ok = call();
    let rtt_ns = monotonic_now().0 - mono0.0;
    ok.then_some((RealNs(real0.0 + rtt_ns / 2), rtt_ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_faster_round_trip_is_kept() {
        let mut b = BestRtt::default();
        assert!(b.offer(900));
        assert!(!b.offer(900));
        assert!(!b.offer(1200));
        assert!(b.offer(300));
        assert_eq!(b.best_ns, Some(300));
    }

    #[test]
    fn a_timed_call_is_placed_at_its_middle_and_a_failed_one_is_dropped() {
        let before = realtime_now().0;
        let (at, rtt) = timed(|| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            true
        })
        .unwrap();
        assert!(rtt >= 20_000_000, "{rtt}");
        assert!(
            at.0 >= before + 10_000_000 && at.0 <= realtime_now().0,
            "{at:?}"
        );
        assert!(timed(|| false).is_none());
    }
}
