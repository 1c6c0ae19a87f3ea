//! Predicted against true values of a regression head (age in years).

use std::path::Path;

use plotters::prelude::*;

use super::{dashed_legend, font, house_legend, house_mesh, render_png, BLUE_OI, GREY, TITLE_PX, VERMILLION};
use crate::ReportError;

/// Width of the bins of true age over which the mean prediction is drawn, in years.
const BIN_YEARS: f64 = 5.0;

/// Mean prediction per [`BIN_YEARS`] bin of the true value: (bin centre, mean), bins with faces only.
fn binned_means(truth: &[f64], pred: &[f64]) -> Vec<(f64, f64)> {
    let mut bins: std::collections::BTreeMap<i64, (f64, usize)> = Default::default();
    for (&t, &p) in truth.iter().zip(pred) {
        if t.is_finite() && p.is_finite() {
            let e = bins.entry((t / BIN_YEARS).floor() as i64).or_insert((0.0, 0));
            e.0 += p;
            e.1 += 1;
        }
    }
    bins.into_iter().map(|(b, (sum, n))| ((b as f64 + 0.5) * BIN_YEARS, sum / n as f64)).collect()
}

/// Draws one dot per face (true, predicted), the diagonal of perfect prediction and the mean
/// prediction per 5-year bin, which shows regression to the mean at both ends.
pub(crate) fn predicted_vs_true(
    path: &Path,
    head: &str,
    truth: &[f64],
    pred: &[f64],
    mae: f64,
) -> Result<(), ReportError> {
    let points: Vec<(f64, f64)> =
        truth.iter().zip(pred).filter(|(t, p)| t.is_finite() && p.is_finite()).map(|(&t, &p)| (t, p)).collect();
    let top = points.iter().map(|&(t, p)| t.max(p)).fold(10.0_f64, f64::max) * 1.04;
    let low = points.iter().map(|&(t, p)| t.min(p)).fold(0.0_f64, f64::min);
    let means = binned_means(truth, pred);
    render_png(path, (820, 800), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(format!("Predicted vs true age: head \"{head}\""), font(TITLE_PX))
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(low..top, low..top)?;
        house_mesh(&mut chart)
            .x_desc("true age (years)")
            .y_desc("predicted age (years)")
            .x_labels(8)
            .y_labels(8)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        chart
            .draw_series(points.iter().map(|&pt| Circle::new(pt, 3, BLUE_OI.mix(0.35).filled())))?
            .label(format!("one test face ({} faces, MAE = {mae:.2} years)", points.len()))
            .legend(|(x, y)| Circle::new((x, y), 5, BLUE_OI.mix(0.6).filled()));
        chart
            .draw_series(DashedLineSeries::new(vec![(low, low), (top, top)], 10, 8, GREY.stroke_width(2)))?
            .label("perfect prediction")
            .legend(|(x, y)| dashed_legend((x, y), GREY));
        chart.draw_series(LineSeries::new(means.iter().copied(), VERMILLION.stroke_width(3)))?;
        chart
            .draw_series(means.iter().map(|&pt| TriangleMarker::new(pt, 7, VERMILLION.filled())))?
            .label(format!("mean prediction per {BIN_YEARS:.0}-year bin"))
            .legend(|(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(-12, 0), (12, 0)], VERMILLION.stroke_width(3))
                    + TriangleMarker::new((0, 0), 7, VERMILLION.filled())
            });
        house_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_average_predictions_by_true_age() {
        // True ages 1 and 3 fall in bin 0-5 (centre 2.5), 12 in bin 10-15 (centre 12.5); NaN skipped.
        let m = binned_means(&[1.0, 3.0, 12.0, f64::NAN], &[2.0, 4.0, 20.0, 5.0]);
        assert_eq!(m, vec![(2.5, 3.0), (12.5, 20.0)]);
    }
}
