//! Inline SVG charts for the HTML report, drawn with presentation
//! attributes only (`fill`, `font-size`, …): no script, no CSS, so they
//! survive a viewer that strips both. Every number is printed with fixed
//! decimals, so the same report gives the same bytes.

use std::fmt::Write as _;

use super::html::escape;

/// One bar of a horizontal bar chart.
#[derive(Clone, Debug)]
pub struct Bar {
    /// The label left of the bar (escaped here).
    pub label: String,
    /// The value the bar's length shows.
    pub value: u64,
    /// The text right of the bar (escaped here).
    pub note: String,
    /// The fill colour.
    pub colour: &'static str,
}

const WIDTH: f64 = 960.0;
const ROW: f64 = 26.0;
const LABEL: f64 = 300.0;
const NOTE: f64 = 220.0;

/// A horizontal bar chart, one row per bar, lengths relative to the
/// largest value. Each bar is a `<rect class="bar">`.
pub fn bars(title: &str, items: &[Bar]) -> String {
    let height = ROW * items.len() as f64 + 8.0;
    let max = items.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let room = WIDTH - LABEL - NOTE - 16.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg role=\"img\" \
         width=\"{WIDTH:.0}\" height=\"{height:.0}\" viewBox=\"0 0 \
         {WIDTH:.0} {height:.0}\" font-family=\"sans-serif\" \
         font-size=\"13\"><title>{}</title>",
        escape(title)
    );
    for (i, b) in items.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = (room * b.value as f64 / max as f64).max(1.0);
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" \
             fill=\"#222222\">{}</text><rect class=\"bar\" x=\"{:.1}\" \
             y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" \
             fill=\"{}\"><title>{}: {}</title></rect><text x=\"{:.1}\" \
             y=\"{:.1}\" fill=\"#222222\">{}</text>",
            LABEL - 8.0,
            y + 17.0,
            escape(&b.label),
            LABEL,
            y + 3.0,
            ROW - 6.0,
            b.colour,
            escape(&b.label),
            escape(&b.note),
            LABEL + w + 6.0,
            y + 17.0,
            escape(&b.note),
        );
    }
    s.push_str("</svg>\n");
    s
}

/// One series of a stacked column chart: its name and colour.
#[derive(Clone, Copy, Debug)]
pub struct Series {
    /// The legend text.
    pub name: &'static str,
    /// The fill colour.
    pub colour: &'static str,
}

/// A stacked column chart: one column per label (a time bucket), one
/// segment per series with a value, stacked bottom up in series order.
/// Each segment is a `<rect class="seg">`; a legend names the series and
/// the x axis shows at most about 12 labels.
pub fn stacked(
    title: &str,
    series: &[Series],
    columns: &[(String, Vec<u64>)],
) -> String {
    let (left, top, plot_h, bottom) = (70.0, 36.0, 260.0, 60.0);
    let plot_w = WIDTH - left - 20.0;
    let height = top + plot_h + bottom;
    let max = columns
        .iter()
        .map(|(_, v)| v.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let n = columns.len().max(1) as f64;
    let step = plot_w / n;
    let col_w = (step * 0.8).max(1.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg role=\"img\" \
         width=\"{WIDTH:.0}\" height=\"{height:.0}\" viewBox=\"0 0 \
         {WIDTH:.0} {height:.0}\" font-family=\"sans-serif\" \
         font-size=\"12\"><title>{}</title>",
        escape(title)
    );
    // Legend.
    let mut x = left;
    for se in series {
        let _ = writeln!(
            s,
            "<rect x=\"{x:.1}\" y=\"8\" width=\"12\" height=\"12\" \
             fill=\"{}\"/><text x=\"{:.1}\" y=\"18\" \
             fill=\"#222222\">{}</text>",
            se.colour,
            x + 16.0,
            escape(se.name)
        );
        x += 28.0 + 6.6 * se.name.len() as f64;
    }
    // Axis: zero and the largest column.
    let base = top + plot_h;
    let _ = writeln!(
        s,
        "<line x1=\"{left:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" \
         y2=\"{base:.1}\" stroke=\"#888888\"/><text x=\"{:.1}\" \
         y=\"{:.1}\" text-anchor=\"end\" fill=\"#444444\">0</text><text \
         x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" \
         fill=\"#444444\">{max}</text><line x1=\"{left:.1}\" \
         y1=\"{top:.1}\" x2=\"{:.1}\" y2=\"{top:.1}\" stroke=\"#dddddd\"/>",
        left + plot_w,
        left - 6.0,
        base + 4.0,
        left - 6.0,
        top + 4.0,
        left + plot_w,
    );
    let every = columns.len().div_ceil(12).max(1);
    for (i, (label, values)) in columns.iter().enumerate() {
        let cx = left + step * i as f64 + (step - col_w) / 2.0;
        let mut y = base;
        for (se, &v) in series.iter().zip(values) {
            if v == 0 {
                continue;
            }
            let h = plot_h * v as f64 / max as f64;
            y -= h;
            let _ = writeln!(
                s,
                "<rect class=\"seg\" x=\"{cx:.1}\" y=\"{y:.1}\" \
                 width=\"{col_w:.1}\" height=\"{h:.1}\" \
                 fill=\"{}\"><title>{} {}: {v}</title></rect>",
                se.colour,
                escape(label),
                escape(se.name),
            );
        }
        // Every `every`-th label, and the last one (`unknown`, or the
        // latest bucket) when it is 30 px from the one before.
        let last = i + 1 == columns.len() && (i % every) as f64 * step >= 30.0;
        if i % every == 0 || last {
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" \
                 transform=\"rotate(-35 {:.1} {:.1})\" \
                 fill=\"#444444\">{}</text>",
                cx + col_w / 2.0,
                base + 16.0,
                cx + col_w / 2.0,
                base + 16.0,
                escape(&short_time(label)),
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// A time bucket as an axis label: `2026-11-20T10:00:00Z` → `11-20 10:00`.
fn short_time(label: &str) -> String {
    match (label.get(5..10), label.get(11..16)) {
        (Some(d), Some(t)) if label.len() == 20 => format!("{d} {t}"),
        _ => label.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rect_per_bar_and_labels_escaped() {
        let b = |label: &str, value| Bar {
            label: label.into(),
            value,
            note: "n".into(),
            colour: "#000000",
        };
        let svg = bars("t<", &[b("a<b>", 10), b("c", 5)]);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 2);
        assert!(svg.contains("a&lt;b&gt;") && !svg.contains("a<b>"));
        assert!(svg.contains("width=\"424.0\""), "{svg}");
        assert!(svg.contains("width=\"212.0\""));
    }

    #[test]
    fn stacked_segments_skip_zeros() {
        let series = [
            Series { name: "A", colour: "#111111" },
            Series { name: "B", colour: "#222222" },
        ];
        let cols = vec![
            ("2026-11-20T10:00:00Z".to_owned(), vec![2, 2]),
            ("2026-11-20T11:00:00Z".to_owned(), vec![1, 0]),
        ];
        let svg = stacked("t", &series, &cols);
        assert_eq!(svg.matches("<rect class=\"seg\"").count(), 3);
        assert!(svg.contains(">11-20 10:00</text>"));
        // The tallest column fills the plot: 260 px.
        assert!(svg.contains("height=\"130.0\""), "{svg}");
    }
}
