//! Line charts per epoch: a run's training curves, and validation curves of several runs overlaid.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    font, house_legend, house_mesh, integer_label, padded_range, render_png, DrawResult, BLUE_OI, GREY, LABEL_PX,
    SERIES, TITLE_PX, VERMILLION,
};
use crate::run::{CurveMetric, Epochs};
use crate::ReportError;

/// Marker drawn on a line's points.
#[derive(Clone, Copy)]
pub(crate) enum Marker {
    Circle,
    Triangle,
}

/// One line of a panel.
pub(crate) struct Line {
    pub label: String,
    pub color: RGBColor,
    pub marker: Marker,
    pub points: Vec<(f64, f64)>,
}

/// One chart: lines against epoch.
pub(crate) struct Panel {
    pub title: String,
    pub y_desc: String,
    pub lines: Vec<Line>,
    /// Dashed vertical marker, e.g. the best epoch.
    pub marker_epoch: Option<(f64, String)>,
    pub legend: SeriesLabelPosition,
}

const PANEL_W: u32 = 760;
const PANEL_H: u32 = 520;

/// Axis title and scale factor for a curve metric (accuracy is shown in %).
pub(crate) fn metric_axis(metric: CurveMetric) -> (&'static str, f64, SeriesLabelPosition) {
    match metric {
        CurveMetric::Accuracy => ("accuracy (%)", 100.0, SeriesLabelPosition::LowerRight),
        CurveMetric::Mae => ("MAE (years)", 1.0, SeriesLabelPosition::UpperRight),
    }
}

fn points(epochs: &[u32], v: &[f64], scale: f64) -> Vec<(f64, f64)> {
    epochs.iter().zip(v).filter(|(_, y)| y.is_finite()).map(|(&e, &y)| (f64::from(e), y * scale)).collect()
}

/// The training-curves figure: loss, then each head's metric, train vs valid per epoch.
pub(crate) fn training_curves(path: &Path, epochs: &Epochs, best_epoch: Option<u32>) -> Result<(), ReportError> {
    let marker = best_epoch.map(|b| (f64::from(b), format!("best epoch ({b})")));
    let pair = |title: String, y_desc: &str, train: &[f64], valid: &[f64], scale, legend| Panel {
        title,
        y_desc: y_desc.to_owned(),
        lines: vec![
            Line {
                label: "train".to_owned(),
                color: BLUE_OI,
                marker: Marker::Circle,
                points: points(&epochs.epoch, train, scale),
            },
            Line {
                label: "valid".to_owned(),
                color: VERMILLION,
                marker: Marker::Triangle,
                points: points(&epochs.epoch, valid, scale),
            },
        ],
        marker_epoch: marker.clone(),
        legend,
    };
    let mut panels = vec![pair(
        "Loss".to_owned(),
        "loss (weighted sum over heads, per image)",
        &epochs.train_loss,
        &epochs.valid_loss,
        1.0,
        SeriesLabelPosition::UpperRight,
    )];
    for h in &epochs.heads {
        let (y_desc, scale, legend) = metric_axis(h.metric);
        let what = match h.metric {
            CurveMetric::Accuracy => "accuracy",
            CurveMetric::Mae => "MAE",
        };
        panels.push(pair(format!("Head \"{}\": {what}", h.name), y_desc, &h.train, &h.valid, scale, legend));
    }
    draw_panels(path, &panels)
}

/// Draws `panels` in a grid of up to two columns into one PNG.
pub(crate) fn draw_panels(path: &Path, panels: &[Panel]) -> Result<(), ReportError> {
    let n = panels.len().max(1);
    let cols = n.min(2);
    let rows = n.div_ceil(cols);
    let size = (PANEL_W * cols as u32, PANEL_H * rows as u32);
    render_png(path, size, |root| {
        let areas = root.split_evenly((rows, cols));
        for (panel, area) in panels.iter().zip(&areas) {
            draw_panel(area, panel)?;
        }
        Ok(())
    })
}

fn draw_panel(area: &DrawingArea<BitMapBackend<'_>, Shift>, p: &Panel) -> DrawResult {
    let all = || p.lines.iter().flat_map(|l| l.points.iter());
    let Some((x0, x1)) = padded_range(all().map(|pt| pt.0), 0.0) else {
        area.draw(&Text::new(format!("{}: no data", p.title), (20, 20), font(LABEL_PX)))?;
        return Ok(());
    };
    let (x0, x1) = (x0.min(x1 - 0.5) - 0.3, x1 + 0.3);
    let (y0, y1) = padded_range(all().map(|pt| pt.1), 0.08).unwrap_or((0.0, 1.0));
    let decimals = decimals_for(y1 - y0);
    let n_epochs = (x1 - x0).round().max(1.0) as usize;

    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, font(TITLE_PX))
        .margin(14)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    house_mesh(&mut chart)
        .x_desc("epoch")
        .y_desc(p.y_desc.as_str())
        .x_labels(n_epochs.min(12))
        .y_labels(8)
        .x_label_formatter(&integer_label)
        .y_label_formatter(&|y| format!("{y:.decimals$}"))
        .draw()?;

    if let Some((e, label)) = &p.marker_epoch {
        if *e >= x0 && *e <= x1 {
            chart
                .draw_series(DashedLineSeries::new(vec![(*e, y0), (*e, y1)], 8, 6, GREY.stroke_width(2)))?
                .label(label.as_str())
                .legend(|(x, y)| super::dashed_legend((x, y), GREY));
        }
    }
    for line in &p.lines {
        let style = line.color.stroke_width(3);
        chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?;
        let color = line.color;
        let anno = match line.marker {
            Marker::Circle => {
                chart.draw_series(line.points.iter().map(|&pt| Circle::new(pt, 5, color.filled()).into_dyn()))?
            }
            Marker::Triangle => chart
                .draw_series(line.points.iter().map(|&pt| TriangleMarker::new(pt, 7, color.filled()).into_dyn()))?,
        };
        let marker = line.marker;
        anno.label(line.label.as_str()).legend(move |(x, y)| {
            let m = match marker {
                Marker::Circle => Circle::new((0, 0), 5, color.filled()).into_dyn(),
                Marker::Triangle => TriangleMarker::new((0, 0), 7, color.filled()).into_dyn(),
            };
            EmptyElement::at((x, y)) + PathElement::new(vec![(-12, 0), (12, 0)], color.stroke_width(3)) + m
        });
    }
    let legend = legend_corner(p, (x0, x1), (y0, y1));
    house_legend(&mut chart, legend)?;
    Ok(())
}

/// The legend corner that covers the fewest data points, preferring the panel's default.
fn legend_corner(p: &Panel, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> SeriesLabelPosition {
    // Sample along every line (and the epoch marker) in the unit square.
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let unit = |(x, y): (f64, f64)| ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0));
    for line in &p.lines {
        for w in line.points.windows(2) {
            for k in 0..=10 {
                let t = f64::from(k) / 10.0;
                let x = w[0].0 + (w[1].0 - w[0].0) * t;
                let y = w[0].1 + (w[1].1 - w[0].1) * t;
                samples.push(unit((x, y)));
            }
        }
        samples.extend(line.points.iter().map(|&pt| unit(pt)));
    }
    if let Some((e, _)) = &p.marker_epoch {
        samples.extend((0..=10).map(|k| unit((*e, y0 + (y1 - y0) * f64::from(k) / 10.0))));
    }
    let legend_h = (0.12 + 0.07 * (p.lines.len() + usize::from(p.marker_epoch.is_some())) as f64).min(0.6);
    let widest = p
        .lines
        .iter()
        .map(|l| l.label.as_str())
        .chain(p.marker_epoch.iter().map(|(_, l)| l.as_str()))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5);
    let legend_w = (0.12 + 0.02 * widest as f64).min(0.75);
    let crowd = |right: bool, upper: bool| {
        samples
            .iter()
            .filter(|(x, y)| {
                let in_x = if right { *x > 1.0 - legend_w } else { *x < legend_w };
                let in_y = if upper { *y > 1.0 - legend_h } else { *y < legend_h };
                in_x && in_y
            })
            .count()
    };
    let corner = |pos: &SeriesLabelPosition| match pos {
        SeriesLabelPosition::UpperLeft => Some((false, true)),
        SeriesLabelPosition::UpperRight => Some((true, true)),
        SeriesLabelPosition::LowerLeft => Some((false, false)),
        SeriesLabelPosition::LowerRight => Some((true, false)),
        _ => None,
    };
    let mut candidates = vec![p.legend.clone()];
    candidates.extend([
        SeriesLabelPosition::UpperRight,
        SeriesLabelPosition::LowerRight,
        SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::LowerLeft,
    ]);
    candidates
        .into_iter()
        .filter_map(|c| corner(&c).map(|(r, u)| (crowd(r, u), c)))
        .min_by_key(|(n, _)| *n)
        .map_or(SeriesLabelPosition::UpperRight, |(_, c)| c)
}

/// Decimal places that make ~8 ticks over `span` distinguishable.
fn decimals_for(span: f64) -> usize {
    if !(span.is_finite() && span > 0.0) {
        return 2;
    }
    let step = span / 8.0;
    (-step.log10().floor()).clamp(0.0, 4.0) as usize
}

/// Validation curves of several runs overlaid, one panel per head (or loss if no head metrics).
pub(crate) fn valid_overlay(path: &Path, runs: &[(String, &Epochs)]) -> Result<(), ReportError> {
    // Heads in order of first appearance, keyed by (name, metric).
    let mut keys: Vec<(String, CurveMetric)> = Vec::new();
    for (_, e) in runs {
        for h in &e.heads {
            if !keys.iter().any(|(n, m)| n == &h.name && *m == h.metric) {
                keys.push((h.name.clone(), h.metric));
            }
        }
    }
    let mut panels = Vec::new();
    for (name, metric) in &keys {
        let (y_desc, scale, legend) = metric_axis(*metric);
        let what = match metric {
            CurveMetric::Accuracy => "validation accuracy",
            CurveMetric::Mae => "validation MAE",
        };
        let lines = runs
            .iter()
            .enumerate()
            .filter_map(|(i, (label, e))| {
                let h = e.heads.iter().find(|h| &h.name == name && h.metric == *metric)?;
                Some(Line {
                    label: label.clone(),
                    color: SERIES[i % SERIES.len()],
                    marker: if i % 2 == 0 { Marker::Circle } else { Marker::Triangle },
                    points: points(&e.epoch, &h.valid, scale),
                })
            })
            .collect();
        panels.push(Panel {
            title: format!("Head \"{name}\": {what}"),
            y_desc: y_desc.to_owned(),
            lines,
            marker_epoch: None,
            legend,
        });
    }
    if panels.is_empty() {
        panels.push(Panel {
            title: "Validation loss".to_owned(),
            y_desc: "loss (per image)".to_owned(),
            lines: runs
                .iter()
                .enumerate()
                .map(|(i, (label, e))| Line {
                    label: label.clone(),
                    color: SERIES[i % SERIES.len()],
                    marker: if i % 2 == 0 { Marker::Circle } else { Marker::Triangle },
                    points: points(&e.epoch, &e.valid_loss, 1.0),
                })
                .collect(),
            marker_epoch: None,
            legend: SeriesLabelPosition::UpperRight,
        });
    }
    draw_panels(path, &panels)
}
