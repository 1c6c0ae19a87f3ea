//! The comparison's headline chart: one row per run, its test figure with the 95% interval, and
//! the paper's figure beside it where the literature table has one, so that what is compared is
//! the first thing a reader sees.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{bold, font, house_legend, house_mesh, padded_range, render_png, text_w, BLUE_OI, LABEL_PX, TITLE_PX};
use super::{GREY, VERMILLION};
use crate::ReportError;

/// One run's row of the chart, in the axis unit (% or years).
pub(crate) struct Row {
    /// The run, as the page's legend names it.
    pub label: String,
    /// The test figure.
    pub value: f64,
    /// Its 95% interval, when the run has per-face predictions.
    pub interval: Option<(f64, f64)>,
    /// The figure printed beside the point (`88.21% (85.6-90.4)`).
    pub text: String,
    /// The papers' figures for this run's experiment and head (literature table).
    pub papers: Vec<f64>,
}

/// Text anchored at its left end, centred on the row.
const MIDDLE_LEFT: Pos = Pos { h_pos: HPos::Left, v_pos: VPos::Center };

/// Plotters centres text on its em box, a few pixels above the glyphs' middle.
const BASELINE: i32 = 5;

const WIDTH: u32 = 1200;
const ROW_PX: u32 = 46;
/// Rows of headroom above the runs, where the legend goes.
const HEADROOM: f64 = 1.6;

/// Draws `rows` (top to bottom in the given order) on a horizontal axis titled `x_desc`; `measured`
/// names the figures in the legend ("test figure").
pub(crate) fn headline_chart(
    path: &Path,
    title: &str,
    x_desc: &str,
    measured: &str,
    rows: &[Row],
) -> Result<(), ReportError> {
    let n = rows.len().max(1);
    let height = (200 + ROW_PX * (n as u32) + (HEADROOM * f64::from(ROW_PX)) as u32).max(440);
    let values = rows.iter().flat_map(|r| {
        let (lo, hi) = r.interval.unwrap_or((r.value, r.value));
        [r.value, lo, hi].into_iter().chain(r.papers.iter().copied())
    });
    let (lo, hi) = padded_range(values, 0.08).unwrap_or((0.0, 1.0));
    // room on the right for the printed figures
    let x_range = lo..hi + (hi - lo) * 0.45;
    let label_px = rows.iter().map(|r| text_w(&r.label, LABEL_PX)).max().unwrap_or(0).clamp(80, 420) + 24;
    let top = n as f64 - 0.5 + HEADROOM;
    render_png(path, (WIDTH, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, font(TITLE_PX))
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(label_px as u32)
            .build_cartesian_2d(x_range, -0.5..top)?;
        house_mesh(&mut chart).x_desc(x_desc).y_labels(0).disable_y_mesh().x_labels(8).draw()?;
        // row i sits at y = n - 1 - i, so the first run is on top
        let y = |i: usize| (n - 1 - i) as f64;
        for (i, r) in rows.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(lo, y(i)));
            root.draw(&Text::new(
                r.label.clone(),
                (px - label_px + 8, py + BASELINE),
                font(LABEL_PX).pos(MIDDLE_LEFT),
            ))?;
        }
        chart.draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
            let (a, b) = r.interval?;
            Some(PathElement::new(vec![(a, y(i)), (b, y(i))], BLUE_OI.stroke_width(3)))
        }))?;
        let tick = 0.18;
        chart.draw_series(rows.iter().enumerate().filter_map(|(i, r)| r.interval.map(|ab| (i, ab))).flat_map(
            |(i, (a, b))| {
                [a, b].map(|x| PathElement::new(vec![(x, y(i) - tick), (x, y(i) + tick)], BLUE_OI.stroke_width(3)))
            },
        ))?;
        let with_intervals = rows.iter().any(|r| r.interval.is_some());
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| Circle::new((r.value, y(i)), 7, BLUE_OI.filled())))?
            .label(if with_intervals {
                format!("measured here: {measured} and its 95% interval")
            } else {
                format!("measured here: {measured}")
            })
            .legend(move |(x, y)| {
                let bar = if with_intervals { 14 } else { 0 };
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(-bar, 0), (bar, 0)], BLUE_OI.stroke_width(3))
                    + Circle::new((0, 0), 6, BLUE_OI.filled())
            });
        let right = |r: &Row| r.papers.iter().fold(r.interval.map_or(r.value, |(_, b)| b), |m, p| m.max(*p));
        for (i, r) in rows.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(right(r), y(i)));
            root.draw(&Text::new(r.text.clone(), (px + 16, py + BASELINE), bold(LABEL_PX).pos(MIDDLE_LEFT)))?;
        }
        if rows.iter().any(|r| !r.papers.is_empty()) {
            chart
                .draw_series(rows.iter().enumerate().flat_map(|(i, r)| {
                    r.papers.iter().map(move |&p| {
                        EmptyElement::at((p, y(i)))
                            + Polygon::new(vec![(0, -9), (9, 0), (0, 9), (-9, 0)], VERMILLION.filled())
                            + PathElement::new(vec![(0, -9), (9, 0), (0, 9), (-9, 0), (0, -9)], GREY.stroke_width(1))
                    })
                }))?
                .label("the paper's figure (its own data and protocol: see the literature table)")
                .legend(|(x, y)| {
                    EmptyElement::at((x, y)) + Polygon::new(vec![(0, -8), (8, 0), (0, 8), (-8, 0)], VERMILLION.filled())
                });
        }
        house_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}
