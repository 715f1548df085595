//! Small bar charts of monthly figures, drawn on the server as SVG: dark bars on a light
//! ground, each month's figure written above its bar, a held-back month marked with a dash and
//! a hatched bar, so nothing depends on colour and nothing needs a script.

use minijinja::HtmlEscape;

use crate::domain::{outcomes::Cell, Language};

const WIDTH: u32 = 360;
const HEIGHT: u32 = 120;
const BASE: u32 = 100;
const TOP: u32 = 16;

/// A chart of `months` (label `YYYY-MM`, figure), named `title` for screen readers.
pub fn bars(title: &str, months: &[(String, Cell)], language: Language) -> String {
    let slots = months.len().max(1) as u32;
    let slot = WIDTH / slots;
    let bar = (slot * 2 / 3).max(4);
    let most = months.iter().filter_map(|(_, cell)| cell.published()).max().unwrap_or(0).max(1);
    let held = match language {
        Language::Ja => "非公表",
        Language::En => "held back",
    };
    let summary: Vec<String> = months
        .iter()
        .map(|(month, cell)| match cell.published() {
            Some(count) => format!("{month}: {count}"),
            None => format!("{month}: {held}"),
        })
        .collect();
    let label = HtmlEscape(&format!("{title} — {}", summary.join(", "))).to_string();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{label}\" class=\"chart\">\
         <defs><pattern id=\"held\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\">\
         <path d=\"M0 4 L4 0\" stroke=\"#444\" stroke-width=\"1\"/></pattern></defs>\
         <line x1=\"0\" y1=\"{BASE}\" x2=\"{WIDTH}\" y2=\"{BASE}\" stroke=\"#444\" stroke-width=\"1\"/>"
    );
    for (index, (month, cell)) in months.iter().enumerate() {
        let x = index as u32 * slot + (slot - bar) / 2;
        let centre = index as u32 * slot + slot / 2;
        let (height, fill, text) = match cell.published() {
            Some(count) => (((count as u32) * (BASE - TOP)) / most as u32, "#1b3a57", count.to_string()),
            None => ((BASE - TOP) / 4, "url(#held)", "–".to_owned()),
        };
        let y = BASE - height;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{height}\" fill=\"{fill}\" stroke=\"#1b3a57\" stroke-width=\"0.5\"/>\
             <text x=\"{centre}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#1b1b1b\">{}</text>\
             <text x=\"{centre}\" y=\"{}\" font-size=\"8\" text-anchor=\"middle\" fill=\"#1b1b1b\">{}</text>",
            y.saturating_sub(3).max(9),
            HtmlEscape(&text),
            BASE + 11,
            HtmlEscape(month.get(5..).unwrap_or(month)),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_month_is_written_out_and_a_held_back_one_marked_not_coloured() {
        let months = vec![
            ("2026-01".to_owned(), Cell::new(6, 6)),
            ("2026-02".to_owned(), Cell::new(3, 3)),
            ("2026-03".to_owned(), Cell::new(0, 0)),
        ];
        let svg = bars("Programmes completed", &months, Language::En);
        assert!(svg.contains(">6</text>") && svg.contains(">0</text>") && svg.contains(">–</text>"));
        assert!(svg.contains("2026-02: held back") && !svg.contains(">3</text>"));
        assert!(svg.starts_with("<svg") && svg.contains("role=\"img\""));
    }
}
