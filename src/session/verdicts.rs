//! The verdicts of the migrations in flight: one, or one per guest of a host
//! evacuation.
//!
//! Rules:
//! - without guests there is one verdict, fed every event;
//! - with guests, an event that names a domain (`detail.domain`) goes to that
//!   guest's verdict only, one that names none (a trigger shared by all
//!   guests, a connection's event) to every guest's;
//! - the migrations are decided when every guest's is; they failed when any
//!   guest's did (by the hypervisors' word, or by its trigger's).

use migprobe_analysis::analysis::per_guest::event_domain;
use migprobe_analysis::analysis::verdict::MigrationVerdict;
use migprobe_probe::record::EventLine;

/// One verdict per guest (the guest `None` when the session has none).
#[derive(Debug, Clone)]
pub(crate) struct Verdicts(Vec<(Option<String>, MigrationVerdict)>);

impl Verdicts {
    /// Undecided verdicts of `guests` (one without a guest when empty).
    pub(crate) fn new(guests: &[String]) -> Verdicts {
        if guests.is_empty() {
            return Verdicts(vec![(None, MigrationVerdict::default())]);
        }
        Verdicts(
            guests
                .iter()
                .map(|g| (Some(g.clone()), MigrationVerdict::default()))
                .collect(),
        )
    }

    /// Takes `e` into the verdicts it concerns.
    pub(crate) fn observe(&mut self, e: &EventLine) {
        let named = event_domain(e);
        for (g, v) in &mut self.0 {
            if named.is_none() || g.is_none() || g.as_deref() == named {
                v.observe(e);
            }
        }
    }

    /// Every migration's outcome is decided.
    pub(crate) fn decided(&self) -> bool {
        self.0.iter().all(|(_, v)| v.outcome().is_decided())
    }

    /// Some migration failed or was cancelled (by the hypervisors or its trigger).
    pub(crate) fn failure(&self) -> bool {
        self.0.iter().any(|(_, v)| v.outcome().is_failure())
    }

    /// Some migration failed or was cancelled by the hypervisors' word.
    pub(crate) fn hypervisor_failure(&self) -> bool {
        self.0
            .iter()
            .any(|(_, v)| v.outcome().is_hypervisor_failure())
    }
}
