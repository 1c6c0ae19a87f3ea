//! ROC curve of a binary classification head.

use std::path::Path;

use plotters::prelude::*;

use super::{dashed_legend, font, house_mesh, render_png, BLUE_OI, GREY, LEGEND_PX, TITLE_PX};
use crate::ReportError;

/// Draws the ROC curve `points` (false positive rate, true positive rate) with its `auc`.
pub(crate) fn roc_curve(
    path: &Path,
    head: &str,
    positive_class: &str,
    points: &[(f64, f64)],
    auc: f64,
) -> Result<(), ReportError> {
    render_png(path, (820, 800), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(format!("ROC: head \"{head}\" (positive class: {positive_class})"), font(TITLE_PX))
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
        chart
            .draw_series(LineSeries::new(points.iter().copied(), BLUE_OI.stroke_width(4)))?
            .label(format!("model (AUC = {auc:.3})"))
            .legend(|(x, y)| PathElement::new(vec![(x - 12, y), (x + 12, y)], BLUE_OI.stroke_width(4)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .margin(16)
            .label_font(font(LEGEND_PX))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        Ok(())
    })
}
