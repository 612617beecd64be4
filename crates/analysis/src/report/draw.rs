//! Drawing primitives shared by chart.svg ([`super::svg`]) and compare.svg
//! ([`crate::compare::svg`]): text, labels, rectangles, axis labels, the house
//! style of every chart, and a guard that turns a drawing failure into a
//! small SVG saying why.

use super::series::text_width;
use plotters::chart::{ChartContext, MeshStyle};
use plotters::coord::combinators::LogCoord;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A drawing area of an SVG string.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// Drawing result; the error is plotters' message.
pub(crate) type Res = Result<(), String>;

/// Font family of every chart (the SVG names it; no font files are needed).
pub(crate) const FONT: &str = "sans-serif";
/// Main text colour.
pub(crate) const INK: RGBColor = RGBColor(30, 30, 30);
/// Secondary text colour.
pub(crate) const MUTED: RGBColor = RGBColor(100, 100, 100);
/// Left margin of a chart panel.
pub(crate) const MARGIN_L: u32 = 10;
/// Right margin of a chart panel.
pub(crate) const MARGIN_R: u32 = 22;
/// Width of the y-axis label area.
pub(crate) const Y_LABEL_W: u32 = 64;
/// Font size of the labels drawn into a plot ([`label`]) and of the event labels.
pub(crate) const LABEL_PX: f64 = 13.5;

/// plotters' SVG backend writes every font size divided by this: a
/// [`LABEL_PX`] label is 10.9 px in the SVG.
const SVG_FONT_SCALE: f64 = 1.24;

/// Width in pixels of `s` drawn as a label ([`LABEL_PX`]): what lane
/// assignment and the label's backing must reserve so that labels do not
/// overlap (with 5 % to spare for the wider digits).
pub(crate) fn label_width(s: &str) -> i32 {
    text_width(s, LABEL_PX / SVG_FONT_SCALE * 1.05)
}

/// Any displayable error as the drawing error.
pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Text with its top at `y`, anchored horizontally by `h`.
pub(crate) fn text(
    root: &Area,
    s: &str,
    (x, y): (i32, i32),
    size: f64,
    c: RGBColor,
    h: HPos,
) -> Res {
    let style = TextStyle::from((FONT, size).into_font())
        .color(&c)
        .pos(Pos::new(h, VPos::Top));
    root.draw(&Text::new(s.to_owned(), (x, y), style))
        .map_err(err)
}

/// Bold text, left-aligned, top at `y`.
pub(crate) fn bold(root: &Area, s: &str, (x, y): (i32, i32), size: f64, c: RGBColor) -> Res {
    let style = TextStyle::from((FONT, size).into_font().style(FontStyle::Bold))
        .color(&c)
        .pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(s.to_owned(), (x, y), style))
        .map_err(err)
}

/// A label with a translucent white backing, so it stays readable over data.
pub(crate) fn label(root: &Area, s: &str, (x, y): (i32, i32), c: RGBColor) -> Res {
    let w = label_width(s);
    rect(
        root,
        (x - 2, y - 1),
        (x + w + 2, y + 14),
        WHITE.mix(0.78).filled(),
    )?;
    text(root, s, (x, y), LABEL_PX, c, HPos::Left)
}

/// A rectangle between two pixel corners.
pub(crate) fn rect(
    root: &Area,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    style: ShapeStyle,
) -> Res {
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], style))
        .map_err(err)
}

/// A chart on `area` with the house margins: `top` and `bottom` margins and
/// an x-label area of `x_label` pixels.
pub(crate) fn chart_builder<'a, 'b, 'c>(
    area: &'a Area<'c>,
    top: u32,
    bottom: u32,
    x_label: u32,
) -> ChartBuilder<'a, 'b, SVGBackend<'c>> {
    let mut b = ChartBuilder::on(area);
    b.margin_left(MARGIN_L)
        .margin_right(MARGIN_R)
        .margin_top(top)
        .margin_bottom(bottom)
        .x_label_area_size(x_label)
        .y_label_area_size(Y_LABEL_W);
    b
}

/// The house style of a mesh: fonts and grid line strengths.
pub(crate) fn house_style<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    m: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    m.label_style((FONT, 14))
        .axis_desc_style((FONT, 14))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
}

/// A chart of empirical CDFs: x from `x_min` to `x_max` milliseconds, y the
/// share 0–105 %, meshed in the house style with `x_labels` labels.
pub(crate) fn cdf_chart<'a, 'c>(
    area: &'a Area<'c>,
    top: u32,
    (x_min, x_max): (f64, f64),
    (x_desc, y_desc): (&str, &str),
    x_labels: usize,
) -> Result<ChartContext<'a, SVGBackend<'c>, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    let mut chart = chart_builder(area, top, 6, 40)
        .build_cartesian_2d(x_min..x_max, 0.0f64..1.05)
        .map_err(err)?;
    let xfmt = |v: &f64| ms_label(*v);
    let yfmt = |v: &f64| format!("{:.0} %", v * 100.0);
    house_style(&mut chart.configure_mesh())
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(x_labels)
        .y_labels(6)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// The x axis of an RTT chart: description, label count, label formatter.
pub(crate) type XAxis<'f> = (&'f str, usize, &'f dyn Fn(&f64) -> String);

/// A chart of RTT on a log axis, `decades` decades high, x from `x0` to
/// `x1` labelled by `xfmt`, meshed in the house style.
pub(crate) fn rtt_chart<'a, 'c>(
    area: &'a Area<'c>,
    (top, bottom, x_label): (u32, u32, u32),
    (x0, x1, y_lo, y_hi): (f64, f64, f64, f64),
    (x_desc, x_labels, xfmt): XAxis,
) -> Result<ChartContext<'a, SVGBackend<'c>, Cartesian2d<RangedCoordf64, LogCoord<f64>>>, String> {
    let decades = (y_hi / y_lo).log10().round().max(1.0) as usize;
    let mut chart = chart_builder(area, top, bottom, x_label)
        .build_cartesian_2d(x0..x1, (y_lo..y_hi).log_scale())
        .map_err(err)?;
    let yfmt = |v: &f64| ms_label(*v);
    house_style(&mut chart.configure_mesh())
        .x_desc(x_desc)
        .y_desc("RTT")
        .x_labels(x_labels)
        .y_labels(decades + 1)
        .x_label_formatter(xfmt)
        .y_label_formatter(&yfmt)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// Draws with `f` into a fresh string; a drawing error, or a panic inside
/// plotters (a third-party library), yields a small SVG that says why, so the
/// rest of a report is still written.
pub(crate) fn guarded(width: u32, f: impl FnOnce(&mut String) -> Res) -> Vec<u8> {
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut buf = String::new();
        f(&mut buf).map(|()| buf)
    }));
    match drawn {
        Ok(Ok(svg)) => svg.into_bytes(),
        Ok(Err(e)) => fallback(width, &format!("the chart could not be drawn: {e}")),
        Err(_) => fallback(width, "the chart could not be drawn (internal error)"),
    }
}

/// A minimal SVG that says why there is no chart.
pub(crate) fn fallback(width: u32, why: &str) -> Vec<u8> {
    let esc = why
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<svg width=\"{width}\" height=\"60\" viewBox=\"0 0 {width} 60\" xmlns=\"http://www.w3.org/2000/svg\">\n<text x=\"10\" y=\"35\" font-family=\"sans-serif\" font-size=\"14\">{esc}</text>\n</svg>\n"
    )
    .into_bytes()
}

/// `v` milliseconds as an axis label: `10 µs`, `1 ms`, `-2 ms`, `1.5 s`.
pub(crate) fn ms_label(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let trim = |x: f64| {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    let a = v.abs();
    if a >= 1_000.0 {
        format!("{} s", trim(v / 1_000.0))
    } else if a >= 1.0 || a == 0.0 {
        format!("{} ms", trim(v))
    } else if a >= 0.001 {
        format!("{} µs", trim(v * 1_000.0))
    } else {
        format!("{} ns", trim(v * 1e6))
    }
}

/// `v` with at most `decimals` decimals, trailing zeros dropped.
pub(crate) fn num_label_in(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// Decimals that tell apart axis labels about a tenth of `span` apart.
pub(crate) fn decimals_for(span: f64) -> usize {
    if span > 0.0 && span.is_finite() {
        (-(span / 10.0).log10()).ceil().clamp(0.0, 9.0) as usize
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels() {
        assert_eq!(ms_label(0.0), "0 ms");
        assert_eq!(ms_label(0.01), "10 µs");
        assert_eq!(ms_label(0.0005), "500 ns");
        assert_eq!(ms_label(-2.0), "-2 ms");
        assert_eq!(ms_label(1500.0), "1.5 s");
        assert_eq!(ms_label(f64::NAN), "");
        assert_eq!(num_label_in(-0.0001, 2), "0");
        assert_eq!(num_label_in(1.50, 2), "1.5");
        assert_eq!(decimals_for(1.0), 1);
        assert_eq!(decimals_for(0.0), 0);
    }

    #[test]
    fn guarded_turns_errors_and_panics_into_a_note() {
        let e = String::from_utf8(guarded(500, |_| Err("boom <x>".into()))).unwrap();
        assert!(e.contains("could not be drawn: boom &lt;x&gt;"), "{e}");
        let p = String::from_utf8(guarded(500, |_| panic!("inside"))).unwrap();
        assert!(p.contains("internal error"), "{p}");
        let ok = guarded(500, |b| {
            b.push_str("<svg/>");
            Ok(())
        });
        assert_eq!(ok, b"<svg/>");
    }
}
