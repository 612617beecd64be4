//! How a hypervisor event is passed on: relabelled on the way back, and what
//! it changes on the live line.

use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventLine, Origin};

/// Swaps the event's source and destination labels (a migration running
/// from the configured destination back to the configured source).
pub(super) fn swap_sides(e: &mut EventLine) {
    e.origin = match e.origin {
        Origin::Src => Origin::Dst,
        Origin::Dst => Origin::Src,
        Origin::Local => Origin::Local,
    };
}

/// The phase the live line shows from this event on, if it starts one.
pub(super) fn phase_of(e: &EventLine) -> Option<&'static str> {
    match (e.origin, &e.kind) {
        (Origin::Dst, &kinds::STARTED) => Some("copying"),
        (Origin::Src, &kinds::SUSPENDED) => Some("switchover"),
        (Origin::Dst, &kinds::RESUMED) => Some("resumed on destination"),
        _ => None,
    }
}

/// The live line's "last event", or `None` for events not shown (job statistics).
pub(super) fn shown_as(e: &EventLine) -> Option<String> {
    (!e.kind.is_sample()).then(|| format!("{:?} {}", e.origin, e.kind).to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use migprobe_probe::types::RealNs;

    fn ev(origin: Origin, kind: impl Into<migprobe_probe::record::EventKind>) -> EventLine {
        EventLine {
            at_ns: RealNs(0),
            source_ts_ns: None,
            origin,
            kind: kind.into(),
            detail: serde_json::Value::Null,
            raw: None,
        }
    }

    #[test]
    fn sides_swap_and_local_stays() {
        for (from, to) in [
            (Origin::Src, Origin::Dst),
            (Origin::Dst, Origin::Src),
            (Origin::Local, Origin::Local),
        ] {
            let mut e = ev(from, kinds::RESUMED);
            swap_sides(&mut e);
            assert_eq!(e.origin, to);
        }
    }

    #[test]
    fn phases_and_labels() {
        let cases = [
            (
                Origin::Dst,
                kinds::STARTED,
                Some("copying"),
                Some("dst started"),
            ),
            (Origin::Src, kinds::STARTED, None, Some("src started")),
            (
                Origin::Src,
                kinds::SUSPENDED,
                Some("switchover"),
                Some("src suspended"),
            ),
            (
                Origin::Dst,
                kinds::RESUMED,
                Some("resumed on destination"),
                Some("dst resumed"),
            ),
            (Origin::Src, kinds::JOB_STATS, None, None),
            (
                Origin::Local,
                kinds::TRIGGER_STARTED,
                None,
                Some("local trigger_started"),
            ),
        ];
        for (origin, kind, phase, label) in cases {
            let e = ev(origin, kind.clone());
            assert_eq!(phase_of(&e), phase, "{origin:?} {kind}");
            assert_eq!(shown_as(&e).as_deref(), label, "{origin:?} {kind}");
        }
    }
}
