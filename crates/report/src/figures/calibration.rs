//! Reliability diagram of a classification head, with its expected calibration error.

use std::path::Path;

use plotters::prelude::*;

use super::{dashed_legend, font, house_legend, house_mesh, render_png, BLUE_OI, GREY, TITLE_PX, VERMILLION};
use crate::ReportError;
use metrics::ReliabilityBin;

/// Draws accuracy per confidence bin against the diagonal, and the number of faces per bin.
pub(crate) fn reliability_diagram(
    path: &Path,
    head: &str,
    bins: &[ReliabilityBin],
    ece: f64,
) -> Result<(), ReportError> {
    render_png(path, (820, 980), |root| {
        let (top, bottom) = root.split_vertically(690);
        let mut chart = ChartBuilder::on(&top)
            .caption(format!("Reliability: head \"{head}\" (ECE = {ece:.3}, {} bins)", bins.len()), font(TITLE_PX))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..1.0, 0.0..1.04)?;
        house_mesh(&mut chart)
            .x_desc("confidence (max softmax probability)")
            .y_desc("accuracy (fraction correct)")
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .draw()?;
        let gap = 0.006;
        chart
            .draw_series(bins.iter().filter(|b| b.count > 0).map(|b| {
                Rectangle::new([(b.lower + gap, 0.0), (b.upper - gap, b.accuracy)], BLUE_OI.mix(0.75).filled())
            }))?
            .label("accuracy")
            .legend(|(x, y)| Rectangle::new([(x - 10, y - 8), (x + 10, y + 8)], BLUE_OI.mix(0.75).filled()));
        chart
            .draw_series(bins.iter().filter(|b| b.count > 0).flat_map(|b| {
                // Where the bar would end if the bin were calibrated.
                let mid = (b.lower + b.upper) / 2.0;
                let y = b.mean_confidence;
                [
                    PathElement::new(vec![(b.lower + gap, y), (b.upper - gap, y)], VERMILLION.stroke_width(4))
                        .into_dyn(),
                    Circle::new((mid, y), 5, VERMILLION.filled()).into_dyn(),
                ]
            }))?
            .label("mean confidence")
            .legend(|(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(-12, 0), (12, 0)], VERMILLION.stroke_width(4))
                    + Circle::new((0, 0), 5, VERMILLION.filled())
            });
        chart
            .draw_series(DashedLineSeries::new(vec![(0.0, 0.0), (1.0, 1.0)], 10, 8, GREY.stroke_width(2)))?
            .label("perfect calibration")
            .legend(|(x, y)| dashed_legend((x, y), GREY));
        house_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;

        let max_count = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
        let mut hist = ChartBuilder::on(&bottom)
            .margin_left(20)
            .margin_right(20)
            .margin_bottom(10)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..1.0, 0.0..max_count * 1.1)?;
        house_mesh(&mut hist)
            .x_desc("confidence (max softmax probability)")
            .y_desc("faces")
            .x_labels(6)
            .y_labels(4)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        hist.draw_series(
            bins.iter().filter(|b| b.count > 0).map(|b| {
                Rectangle::new([(b.lower + gap, 0.0), (b.upper - gap, b.count as f64)], GREY.mix(0.6).filled())
            }),
        )?;
        Ok(())
    })
}
