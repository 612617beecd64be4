//! The probe targets as given on the command line: each resolved once, an
//! ambiguous spelling refused, and one address given twice probed once.
//!
//! Rules:
//! - a target is an address literal or a host name (its first address of the
//!   family `-4`/`-6` choose), resolved by
//!   [`validate_target`](migprobe_probe::values::validate_target);
//! - a dotted quad with a leading zero is read as octal by the system
//!   resolver (`192.0.2.010` is 192.0.2.8): it is accepted, as that address,
//!   only when its decimal and octal readings agree (`192.0.2.01` is
//!   192.0.2.1), and refused otherwise, naming both: probing another host
//!   than the one meant would give a false verdict;
//! - targets that come to the same address (another spelling of it, the same
//!   name twice, a name of an address already listed) are merged: probed
//!   once, under the first spelling, with a warning that names both.

use migprobe_probe::values::{bad, validate_target, ConfigError};
use migprobe_probe::wire::Family;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

/// The targets to probe, each address once, and a warning per merged one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Targets {
    /// (what the user typed first, its address), in the order given.
    pub(crate) list: Vec<(String, IpAddr)>,
    /// One per target merged into an earlier one, naming both spellings.
    pub(crate) warnings: Vec<String>,
}

/// Resolves `values` (given with `flag`) and merges duplicates.
pub(crate) fn resolve_all(
    values: &[String],
    flag: &str,
    only: Option<Family>,
) -> Result<Targets, ConfigError> {
    let resolved = values
        .iter()
        .map(|v| resolve(v, only).map(|a| (v.clone(), a)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError {
            flag: flag.into(),
            ..e
        })?;
    Ok(merge(resolved, flag))
}

/// One target's address.
fn resolve(value: &str, only: Option<Family>) -> Result<IpAddr, ConfigError> {
    match leading_zero_quad(value) {
        None => validate_target(value, only),
        Some(Ok(addr)) => validate_target(&addr.to_string(), only).map_err(|e| ConfigError {
            value: value.into(),
            ..e
        }),
        Some(Err(why)) => Err(bad("TARGET", value, why)),
    }
}

/// A dotted quad of digits with a leading zero in a part: its address when
/// the decimal and the resolver's octal reading agree, else why not. `None`
/// for anything else.
fn leading_zero_quad(value: &str) -> Option<Result<Ipv4Addr, String>> {
    let parts: Vec<&str> = value.split('.').collect();
    let digits = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let zero = |p: &&str| p.len() > 1 && p.starts_with('0');
    if parts.len() != 4 || !parts.iter().all(digits) || !parts.iter().any(zero) {
        return None;
    }
    let read = |radix| -> Option<Ipv4Addr> {
        let octets = parts
            .iter()
            .map(|p| u8::from_str_radix(p, if zero(p) { radix } else { 10 }).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]))
    };
    let (decimal, octal) = (read(10), read(8));
    if let (Some(d), Some(o)) = (decimal, octal) {
        if d == o {
            return Some(Ok(d));
        }
    }
    let shown = |a: Option<Ipv4Addr>| a.map_or_else(|| "no address".to_owned(), |a| a.to_string());
    Some(Err(format!(
        "is ambiguous: a leading 0 makes the system resolver read that part as octal ({}), \
         not decimal ({}); write the address without leading zeros",
        shown(octal),
        shown(decimal)
    )))
}

/// Keeps the first of the targets with the same address; warns about the others.
fn merge(targets: Vec<(String, IpAddr)>, flag: &str) -> Targets {
    let mut first: HashMap<IpAddr, usize> = HashMap::new();
    let mut list: Vec<(String, IpAddr)> = Vec::with_capacity(targets.len());
    let mut warnings = Vec::new();
    for (name, addr) in targets {
        let Some(&i) = first.get(&addr) else {
            first.insert(addr, list.len());
            list.push((name, addr));
            continue;
        };
        let kept = &list[i].0;
        warnings.push(if *kept == name {
            format!("{flag} {name} is given more than once: probed once")
        } else {
            format!(
                "{flag} {name} and {kept} are the same address ({addr}): probed once, as {kept}"
            )
        });
    }
    Targets { list, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn other_spellings_of_one_address_are_merged_with_a_warning() {
        let t = resolve_all(
            &strings(&[
                "192.0.2.1",
                "2001:db8::1",
                "192.0.2.01",
                "2001:0db8:0::1",
                "192.0.2.2",
            ]),
            "--target",
            None,
        )
        .unwrap();
        let names: Vec<&str> = t.list.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["192.0.2.1", "2001:db8::1", "192.0.2.2"]);
        assert_eq!(
            t.warnings,
            [
                "--target 192.0.2.01 and 192.0.2.1 are the same address (192.0.2.1): probed once, as 192.0.2.1",
                "--target 2001:0db8:0::1 and 2001:db8::1 are the same address (2001:db8::1): probed once, as 2001:db8::1",
            ]
        );
    }

    #[test]
    fn a_name_twice_or_a_name_of_a_listed_address_is_probed_once() {
        let t = resolve_all(
            &strings(&["localhost", "localhost"]),
            "TARGET",
            Some(Family::V4),
        )
        .unwrap();
        assert_eq!(t.list.len(), 1);
        assert_eq!(
            t.warnings,
            ["TARGET localhost is given more than once: probed once"]
        );
        let t = resolve_all(
            &strings(&["127.0.0.1", "localhost"]),
            "TARGET",
            Some(Family::V4),
        )
        .unwrap();
        assert_eq!(
            t.list,
            [("127.0.0.1".to_owned(), "127.0.0.1".parse().unwrap())]
        );
        assert!(
            t.warnings[0].contains("localhost and 127.0.0.1"),
            "{:?}",
            t.warnings
        );
    }

    #[test]
    fn leading_zeros_are_accepted_only_when_octal_and_decimal_agree() {
        assert_eq!(leading_zero_quad("192.0.2.1"), None);
        assert_eq!(leading_zero_quad("192.0.2"), None);
        assert_eq!(leading_zero_quad("host.0.2.01"), None);
        assert_eq!(
            leading_zero_quad("192.0.2.07"),
            Some(Ok(Ipv4Addr::new(192, 0, 2, 7)))
        );
        assert_eq!(
            leading_zero_quad("192.000.002.001"),
            Some(Ok(Ipv4Addr::new(192, 0, 2, 1)))
        );
        let e = resolve_all(&strings(&["192.0.2.010"]), "--target", None).unwrap_err();
        assert_eq!(
            (e.flag.as_str(), e.value.as_str()),
            ("--target", "192.0.2.010")
        );
        assert!(
            e.why.contains("octal (192.0.2.8)") && e.why.contains("decimal (192.0.2.10)"),
            "{e}"
        );
        let e = leading_zero_quad("192.0.2.08").unwrap().unwrap_err();
        assert!(e.contains("octal (no address)"), "{e}");
        let e = resolve_all(&strings(&["192.0.2.01"]), "TARGET", Some(Family::V6)).unwrap_err();
        assert_eq!(e.value, "192.0.2.01");
    }
}
