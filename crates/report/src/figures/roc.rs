//! ROC curves: one for a binary head, or one per class (one-vs-rest) for a multi-class head.

use std::path::Path;

use plotters::prelude::*;

use super::{dashed_legend, font, house_legend, house_mesh, render_png, GREY, SERIES, TITLE_PX};
use crate::ReportError;

/// One ROC curve: its legend label and its points (false positive rate, true positive rate).
pub(crate) struct RocCurve {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Draws `curves` over the chance diagonal under `title`.
pub(crate) fn roc_curves(path: &Path, title: &str, curves: &[RocCurve]) -> Result<(), ReportError> {
    render_png(path, (820, 800), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, font(TITLE_PX))
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        house_mesh(&mut chart)
            .x_desc("false positive rate (1 - specificity)")
            .y_desc("true positive rate (sensitivity)")
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .draw()?;
        chart
            .draw_series(DashedLineSeries::new(vec![(0.0, 0.0), (1.0, 1.0)], 10, 8, GREY.stroke_width(2)))?
            .label("chance (AUC = 0.5)")
            .legend(|(x, y)| dashed_legend((x, y), GREY));
        // One curve is drawn thick; several are thinner so that crossings stay readable.
        let width = if curves.len() == 1 { 4 } else { 3 };
        for (i, c) in curves.iter().enumerate() {
            let color = SERIES[i % SERIES.len()];
            chart
                .draw_series(LineSeries::new(c.points.iter().copied(), color.stroke_width(width)))?
                .label(c.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x - 12, y), (x + 12, y)], color.stroke_width(width)));
        }
        house_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}
