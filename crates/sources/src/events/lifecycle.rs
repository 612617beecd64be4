//! Libvirt lifecycle events: numeric codes (C API) and virsh's words, both
//! mapped to one kind + reason (see `kinds`).

use migprobe_probe::record::kinds::{self, EventKind};

/// One lifecycle event type: its code, kind, virsh word, and details
/// as (virsh word, reason) in code order.
struct Lifecycle {
    kind: EventKind,
    word: &'static str,
    details: &'static [(&'static str, &'static str)],
}

/// Indexed by `virDomainEventType`; details by the per-type detail enum.
const TABLE: &[Lifecycle] = &[
    Lifecycle {
        kind: kinds::DEFINED,
        word: "Defined",
        details: &[
            ("Added", "added"),
            ("Updated", "updated"),
            ("Renamed", "renamed"),
            ("Snapshot", "snapshot"),
        ],
    },
    Lifecycle {
        kind: kinds::UNDEFINED,
        word: "Undefined",
        details: &[("Removed", "removed"), ("Renamed", "renamed")],
    },
    Lifecycle {
        kind: kinds::STARTED,
        word: "Started",
        details: &[
            ("Booted", "booted"),
            ("Migrated", "migrated"),
            ("Restored", "restored"),
            ("Snapshot", "snapshot"),
            ("Event wakeup", "wakeup"),
            ("Recreation", "recreated"),
        ],
    },
    Lifecycle {
        kind: kinds::SUSPENDED,
        word: "Suspended",
        details: &[
            ("Paused", "paused"),
            ("Migrated", "migrated"),
            ("I/O Error", "io_error"),
            ("Watchdog", "watchdog"),
            ("Restored", "restored"),
            ("Snapshot", "snapshot"),
            ("API error", "api_error"),
            ("Post-copy", "postcopy"),
            ("Post-copy Error", "postcopy_failed"),
        ],
    },
    Lifecycle {
        kind: kinds::RESUMED,
        word: "Resumed",
        details: &[
            ("Unpaused", "unpaused"),
            ("Migrated", "migrated"),
            ("Snapshot", "snapshot"),
            ("Post-copy", "postcopy"),
            ("Post-copy Error", "postcopy_failed"),
        ],
    },
    Lifecycle {
        kind: kinds::STOPPED,
        word: "Stopped",
        details: &[
            ("Shutdown", "shutdown"),
            ("Destroyed", "destroyed"),
            ("Crashed", "crashed"),
            ("Migrated", "migrated"),
            ("Saved", "saved"),
            ("Failed", "failed"),
            ("Snapshot", "snapshot"),
            ("Recreation", "recreated"),
        ],
    },
    Lifecycle {
        kind: kinds::SHUTDOWN,
        word: "Shutdown",
        details: &[
            ("Finished", "finished"),
            ("Finished after guest request", "guest"),
            ("Finished after host request", "host"),
        ],
    },
    Lifecycle {
        kind: kinds::PMSUSPENDED,
        word: "PMSuspended",
        details: &[("Memory", "memory"), ("Disk", "disk")],
    },
    Lifecycle {
        kind: kinds::CRASHED,
        word: "Crashed",
        details: &[("Panicked", "panicked"), ("Crashloaded", "crashloaded")],
    },
];

/// Kind and reason of a lifecycle event from the C API's codes; `None` for codes
/// this table does not know (the caller then records kind `other`).
#[cfg_attr(
    not(feature = "libvirt"),
    allow(
        dead_code,
        reason = "only the live capture (feature `libvirt`) has libvirt's codes"
    )
)]
pub(crate) fn from_codes(event: i32, detail: i32) -> Option<(EventKind, String)> {
    let l = TABLE.get(usize::try_from(event).ok()?)?;
    let reason = usize::try_from(detail)
        .ok()
        .and_then(|d| l.details.get(d))
        .map(|d| d.1.to_owned())
        .unwrap_or_else(|| format!("detail_{detail}"));
    Some((l.kind.clone(), reason))
}

/// Kind and reason from virsh's text, e.g. `"Suspended Migrated"` or
/// `"Shutdown Finished after guest request"`; `None` if not a lifecycle text.
pub(crate) fn from_virsh(text: &str) -> Option<(EventKind, String)> {
    let text = text.trim();
    let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
    let l = TABLE.iter().find(|l| l.word == word)?;
    let rest = rest.trim();
    let reason = l
        .details
        .iter()
        .find(|d| d.0 == rest)
        .map(|d| d.1.to_owned())
        .unwrap_or_else(|| rest.to_lowercase().replace([' ', '/', '-'], "_"));
    Some((l.kind.clone(), reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_words_agree_for_every_entry() {
        for (e, l) in TABLE.iter().enumerate() {
            for (d, (word, reason)) in l.details.iter().enumerate() {
                let by_code = from_codes(e as i32, d as i32).unwrap();
                let by_word = from_virsh(&format!("{} {}", l.word, word)).unwrap();
                assert_eq!(by_code, by_word);
                assert_eq!(by_code, (l.kind.clone(), reason.to_string()));
            }
        }
    }

    #[test]
    fn migration_boundaries() {
        assert_eq!(
            from_codes(3, 1),
            Some((kinds::SUSPENDED, "migrated".into()))
        );
        assert_eq!(from_codes(4, 1), Some((kinds::RESUMED, "migrated".into())));
        assert_eq!(from_codes(5, 3), Some((kinds::STOPPED, "migrated".into())));
        assert_eq!(from_codes(2, 1), Some((kinds::STARTED, "migrated".into())));
        assert_eq!(
            from_virsh("Suspended Post-copy Error"),
            Some((kinds::SUSPENDED, "postcopy_failed".into()))
        );
    }

    #[test]
    fn unknown_codes_and_words() {
        assert_eq!(from_codes(99, 0), None);
        assert_eq!(from_codes(-1, 0), None);
        assert_eq!(
            from_codes(3, 42),
            Some((kinds::SUSPENDED, "detail_42".into()))
        );
        assert_eq!(from_virsh("Exploded Badly"), None);
        assert_eq!(
            from_virsh("Resumed Time Travel"),
            Some((kinds::RESUMED, "time_travel".into()))
        );
    }
}
