//! The guests of a host evacuation: `run --domain A --domain B -t A=ADDR
//! -t B=ADDR ...`.
//!
//! Rules:
//! - `-t NAME=ADDR` binds the target ADDR to the guest NAME, which must be
//!   one of the `--domain`s;
//! - with two or more `--domain`s every target must be bound, and every
//!   guest must have a target: a guest nobody probes has no downtime, a
//!   target of no guest belongs to no migration;
//! - with one `--domain` (or none) binding is allowed but changes nothing:
//!   the run is one guest's, as without it.

use migprobe_probe::values::{bad, ConfigError};

/// The targets as typed (bindings taken off) and the guest of each, in the
/// same order (all `None` unless there are two or more guests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bound {
    /// Each target's address or host name.
    pub(crate) targets: Vec<String>,
    /// Each target's guest.
    pub(crate) domains: Vec<Option<String>>,
}

impl Bound {
    /// The guest of the target typed `name` (its first binding).
    pub(crate) fn domain_of(&self, name: &str) -> Option<String> {
        let i = self.targets.iter().position(|t| t == name)?;
        self.domains.get(i).cloned().flatten()
    }
}

/// Splits `-t` values into targets and guests, checked against `domains`.
pub(crate) fn bind(values: &[String], domains: &[String]) -> Result<Bound, ConfigError> {
    let mut targets = Vec::new();
    let mut bound = Vec::new();
    for v in values {
        let (guest, target) = match v.split_once('=') {
            Some((g, t)) => (Some(g.trim().to_owned()), t.trim().to_owned()),
            None => (None, v.clone()),
        };
        if let Some(g) = &guest {
            if !domains.contains(g) {
                let why = format!(
                    "binds a target to {g:?}, which is not a --domain; add --domain {g} or fix the name"
                );
                return Err(bad("--target", v, why));
            }
        }
        if let Some(i) = targets.iter().position(|t| t == &target) {
            if bound[i] != guest {
                let why =
                    "the same target is bound to two guests; each address belongs to one guest";
                return Err(bad("--target", v, why));
            }
        }
        targets.push(target);
        bound.push(guest);
    }
    if domains.len() < 2 {
        let domains = vec![None; targets.len()];
        return Ok(Bound { targets, domains });
    }
    if let Some(i) = bound.iter().position(Option::is_none) {
        let why = format!(
            "with several --domain, bind every target to its guest: -t NAME={}",
            targets[i]
        );
        return Err(bad("--target", &values[i], why));
    }
    if let Some(d) = domains
        .iter()
        .find(|d| !bound.contains(&Some((*d).clone())))
    {
        let why = format!("no target probes this guest; add -t {d}=ADDR (its address)");
        return Err(bad("--domain", d, why));
    }
    Ok(Bound {
        targets,
        domains: bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn several_guests_bind_every_target() {
        let b = bind(
            &s(&["a=192.0.2.20", "b=192.0.2.21", "a=2001:db8::20"]),
            &s(&["a", "b"]),
        )
        .unwrap();
        assert_eq!(b.targets, s(&["192.0.2.20", "192.0.2.21", "2001:db8::20"]));
        assert_eq!(b.domain_of("2001:db8::20").as_deref(), Some("a"));
        assert_eq!(b.domain_of("192.0.2.21").as_deref(), Some("b"));
        assert_eq!(b.domain_of("192.0.2.99"), None);
    }

    #[test]
    fn one_guest_needs_no_binding_and_keeps_none() {
        let b = bind(&s(&["vm=192.0.2.10", "192.0.2.11"]), &s(&["vm"])).unwrap();
        assert_eq!(b.targets, s(&["192.0.2.10", "192.0.2.11"]));
        assert_eq!(b.domains, vec![None, None]);
        assert_eq!(bind(&s(&["192.0.2.10"]), &[]).unwrap().domains, vec![None]);
    }

    #[test]
    fn mistakes_name_the_flag_and_the_fix() {
        let two = s(&["a", "b"]);
        let cases: [(&[&str], &[String], &str, &str); 4] = [
            (
                &["a=192.0.2.1", "192.0.2.2"],
                &two,
                "--target",
                "-t NAME=192.0.2.2",
            ),
            (
                &["a=192.0.2.1", "c=192.0.2.2"],
                &two,
                "--target",
                "add --domain c",
            ),
            (&["a=192.0.2.1"], &two, "--domain", "add -t b=ADDR"),
            (
                &["a=192.0.2.1", "b=192.0.2.1"],
                &two,
                "--target",
                "bound to two guests",
            ),
        ];
        for (values, domains, flag, fix) in cases {
            let e = bind(&s(values), domains).unwrap_err();
            assert_eq!(e.flag, flag, "{values:?}");
            assert!(e.to_string().contains(fix), "{values:?}: {e}");
        }
    }
}
