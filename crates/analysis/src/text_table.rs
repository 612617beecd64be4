//! Aligned plain-text tables for a terminal (`compare`, `gate`), laid out by
//! `comfy-table`: columns by display width (wide and combining characters
//! included), two spaces between columns, no borders, optionally a `─` rule
//! under the header (over each column and its first space), no trailing blanks. Given a width, cells wrap inside
//! their column so that no line is wider. Pure.

use comfy_table::{ContentArrangement, Table, TableComponent};

/// The table as text, one line per row and a final newline; `rule` draws `─`
/// under each header cell; `width` (a terminal's columns) makes long cells wrap.
pub fn render<S: AsRef<str>>(
    header: &[S],
    rows: &[Vec<String>],
    rule: bool,
    width: Option<u16>,
) -> String {
    let mut t = Table::new();
    t.load_preset(comfy_table::presets::NOTHING);
    t.remove_style(TableComponent::LeftBorder)
        .remove_style(TableComponent::RightBorder)
        .remove_style(TableComponent::TopBorder)
        .remove_style(TableComponent::BottomBorder)
        .remove_style(TableComponent::HorizontalLines)
        .remove_style(TableComponent::LeftHeaderIntersection)
        .remove_style(TableComponent::RightHeaderIntersection);
    // A blank column line after each cell's one-column right padding: two spaces.
    t.set_style(TableComponent::VerticalLines, ' ');
    if rule {
        t.set_style(TableComponent::HeaderLines, '─')
            .set_style(TableComponent::MiddleHeaderIntersections, ' ');
    } else {
        t.remove_style(TableComponent::HeaderLines);
    }
    t.set_header(header.iter().map(AsRef::as_ref).collect::<Vec<&str>>());
    for r in rows {
        t.add_row(r.clone());
    }
    if let Some(w) = width {
        t.set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(w);
    }
    for c in t.column_iter_mut() {
        c.set_padding((0, 1));
    }
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Vec<String>> {
        vec![
            vec![
                "network downtime".into(),
                "≤ 500 ms".into(),
                "612 ms".into(),
            ],
            vec!["迁移".into(), "–".into(), "Δ 1 µs".into()],
        ]
    }

    #[test]
    fn columns_align_by_display_width() {
        let t = render(&["check", "threshold", "observed"], &rows(), false, None);
        assert_eq!(
            t,
            "check             threshold  observed\n\
             network downtime  ≤ 500 ms   612 ms\n\
             迁移              –          Δ 1 µs\n"
        );
    }

    #[test]
    fn rule_under_the_header() {
        let t = render(&["check", "threshold", "observed"], &rows(), true, None);
        assert_eq!(
            t.lines().nth(1),
            Some("───────────────── ────────── ─────────")
        );
        assert_eq!(
            t.lines().nth(2),
            Some("network downtime  ≤ 500 ms   612 ms")
        );
    }

    #[test]
    fn a_width_wraps_cells_instead_of_lines() {
        let long = vec![vec!["a".repeat(30), "b ".repeat(40)]];
        let t = render(&["x", "y"], &long, true, Some(40));
        assert!(t.lines().all(|l| l.chars().count() <= 40), "{t}");
        assert!(t.lines().count() > 4, "{t}");
    }
}
