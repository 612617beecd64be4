//! Sizes in bytes as people write them: `--max-input-size 32GiB`, `1MiB`,
//! `500k`, `1048576`; and back as text for messages (`16 GiB`).
//!
//! Rules: a whole number with an optional unit, case-insensitive, blanks
//! around the unit allowed; `k`/`K`/`KiB`, `M`/`MiB`, `G`/`GiB`, `T`/`TiB`
//! are powers of 1024 (as `ls -h` and `ulimit` mean them) and `KB`, `MB`,
//! `GB`, `TB` powers of 1000; `B` or no unit is bytes. Zero is refused (a cap
//! of nothing reads nothing).

use crate::values::{bad, ConfigError};

/// 1 KiB.
pub const KIB: u64 = 1 << 10;
/// 1 MiB.
pub const MIB: u64 = 1 << 20;
/// 1 GiB.
pub const GIB: u64 = 1 << 30;

/// Units (lower case) and their factors.
const UNITS: [(&str, u64); 14] = [
    ("", 1),
    ("b", 1),
    ("k", KIB),
    ("kib", KIB),
    ("kb", 1_000),
    ("m", MIB),
    ("mib", MIB),
    ("mb", 1_000_000),
    ("g", GIB),
    ("gib", GIB),
    ("gb", 1_000_000_000),
    ("t", GIB * KIB),
    ("tib", GIB * KIB),
    ("tb", 1_000_000_000_000),
];

/// Parses `value` (given to `flag`) as a positive number of bytes.
pub fn parse_size(flag: &str, value: &str) -> Result<u64, ConfigError> {
    let v = value.trim();
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = v.split_at(digits);
    let unit = unit.trim().to_ascii_lowercase();
    let factor = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, f)| *f);
    let fix = "give a whole number of bytes with an optional unit, e.g. 512MiB, 32GiB or 1048576";
    let (Some(factor), Ok(n)) = (factor, num.parse::<u64>()) else {
        return Err(bad(flag, value, fix));
    };
    match n.checked_mul(factor) {
        Some(0) => Err(bad(
            flag,
            value,
            "a cap of 0 bytes reads nothing; give a positive size",
        )),
        Some(bytes) => Ok(bytes),
        None => Err(bad(flag, value, "too large; give at most 16 EiB")),
    }
}

/// `bytes` for people: a whole number of GiB, MiB or KiB when it is one, else bytes.
pub fn format_size(bytes: u64) -> String {
    for (unit, f) in [("TiB", GIB * KIB), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)] {
        if bytes >= f && bytes % f == 0 {
            return format!("{} {unit}", bytes / f);
        }
    }
    format!("{bytes} bytes")
}

/// A cap that lets `size` through, for "raise it with ..." hints: the next
/// power of two at or above `size`, as [`parse_size`] reads it (`32GiB`, `8`).
pub fn suggest_cap(size: u64) -> String {
    let cap = size.checked_next_power_of_two().unwrap_or(u64::MAX);
    format_size(cap).replace(" bytes", "").replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        for (s, want) in [
            ("1048576", MIB),
            ("1MiB", MIB),
            ("1 m", MIB),
            ("16GiB", 16 * GIB),
            ("16G", 16 * GIB),
            ("500k", 500 * KIB),
            ("2MB", 2_000_000),
            ("1TB", 1_000_000_000_000),
            ("3b", 3),
            (" 7 KiB ", 7 * KIB),
        ] {
            assert_eq!(parse_size("--max-input-size", s), Ok(want), "{s}");
        }
        for s in [
            "",
            "0",
            "0MiB",
            "-1",
            "1.5G",
            "12 parsecs",
            "MiB",
            "99999999999T",
        ] {
            let e = parse_size("--max-input-size", s).unwrap_err();
            assert_eq!(e.flag, "--max-input-size", "{s}");
        }
    }

    #[test]
    fn sizes_print_for_people() {
        assert_eq!(format_size(16 * GIB), "16 GiB");
        assert_eq!(format_size(256 * MIB), "256 MiB");
        assert_eq!(format_size(3 * KIB), "3 KiB");
        assert_eq!(format_size(1000), "1000 bytes");
        assert_eq!(suggest_cap(20 * GIB), "32GiB");
        assert_eq!(suggest_cap(6), "8");
        for n in [1, 6, 1000, 20 * GIB, u64::MAX] {
            assert!(parse_size("f", &suggest_cap(n)).unwrap() >= n, "{n}");
        }
    }
}
