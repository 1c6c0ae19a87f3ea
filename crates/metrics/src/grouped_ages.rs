//! Age groups scored from ages: one years head answers every grouping (the report's 5 and 4
//! groups, Adience's 8), exact and 1-off, without a classifier per scheme. The grouping rule itself
//! belongs to the data (`dataset::AgeScheme::group`); this file only counts and scores.

use crate::accuracy::ratio;
use crate::confusion::Confusion;
use crate::intervals::wilson_interval;
use crate::one_off::hits_within;

/// One grouping's scores over some faces.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedScore {
    /// The scheme's name (`report5`, `report4`, `adience8`).
    pub scheme: String,
    /// Group labels in order.
    pub classes: Vec<String>,
    /// True group against predicted group, in faces.
    pub confusion: Confusion,
}

/// Whole years of a finite prediction, clamped to `0..=u16::MAX` (`None` when not finite).
pub fn whole_years(v: f64) -> Option<u16> {
    v.is_finite().then(|| v.round().clamp(0.0, f64::from(u16::MAX)) as u16)
}

impl GroupedScore {
    /// Scores of (true group, predicted group) pairs (a head that predicts groups).
    pub fn from_pairs(
        scheme: &str,
        classes: &[String],
        pairs: impl IntoIterator<Item = (usize, usize)>,
    ) -> GroupedScore {
        GroupedScore {
            scheme: scheme.to_owned(),
            classes: classes.to_vec(),
            confusion: Confusion::from_pairs(classes.len(), pairs),
        }
    }

    /// Scores of predicted ages `pred` against true ages `truth` (years), both rounded to whole
    /// years and placed by `group`; faces with a non-finite value on either side are left out.
    pub fn from_years(
        scheme: &str,
        classes: &[String],
        group: impl Fn(u16) -> usize,
        truth: &[f64],
        pred: &[f64],
    ) -> GroupedScore {
        let pairs =
            truth.iter().zip(pred).filter_map(|(t, p)| Some((group(whole_years(*t)?), group(whole_years(*p)?))));
        GroupedScore::from_pairs(scheme, classes, pairs)
    }

    /// Faces scored.
    pub fn faces(&self) -> usize {
        self.confusion.total() as usize
    }

    /// Exact accuracy with its 95% Wilson interval; `None` without faces.
    pub fn accuracy(&self) -> Option<(f64, (f64, f64))> {
        let n = self.faces();
        let hits = hits_within(&self.confusion.counts, 0) as usize;
        (n > 0).then(|| (ratio(hits as u64, n as u64), wilson_interval(hits, n)))
    }

    /// Accuracy when an adjacent group counts as right; `None` without faces.
    pub fn one_off(&self) -> Option<f64> {
        (self.faces() > 0).then(|| self.confusion.one_off())
    }

    /// Per group: (label, faces, recall, precision), `None` where undefined (no true face of the
    /// group, nothing predicted as it).
    pub fn per_group(&self) -> Vec<(String, usize, Option<f64>, Option<f64>)> {
        let counts = &self.confusion.counts;
        (0..self.classes.len())
            .map(|k| {
                let support: u64 = counts[k].iter().sum();
                let predicted: u64 = counts.iter().map(|row| row[k]).sum();
                let hit = counts[k][k];
                let share = |d: u64| (d > 0).then(|| ratio(hit, d));
                (self.classes[k].clone(), support as usize, share(support), share(predicted))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0-17, 18-29, 30-79, 80+ (the report's four groups).
    fn four(age: u16) -> usize {
        match age {
            0..=17 => 0,
            18..=29 => 1,
            30..=79 => 2,
            _ => 3,
        }
    }

    fn labels() -> Vec<String> {
        ["0-17", "18-29", "30-79", "80+"].map(String::from).to_vec()
    }

    #[test]
    fn predictions_are_rounded_and_grouped_like_the_truth() {
        // truth 17 -> 0-17; 17.4 rounds to 17 (hit), 17.6 to 18 (18-29: a miss, but 1-off).
        let s = GroupedScore::from_years(
            "report4",
            &labels(),
            four,
            &[17.0, 17.0, 85.0, 40.0],
            &[17.4, 17.6, 60.0, f64::NAN],
        );
        assert_eq!(s.faces(), 3, "the NaN prediction is left out");
        assert_eq!(s.confusion.counts[0][0], 1);
        assert_eq!(s.confusion.counts[0][1], 1);
        assert_eq!(s.confusion.counts[3][2], 1);
        let (acc, (lo, hi)) = s.accuracy().unwrap();
        assert!((acc - 1.0 / 3.0).abs() < 1e-12);
        assert!(lo < acc && acc < hi);
        assert!((s.one_off().unwrap() - 1.0).abs() < 1e-12);
        let groups = s.per_group();
        assert_eq!(groups[0], ("0-17".to_owned(), 2, Some(0.5), Some(1.0)));
        assert_eq!(groups[2].3, Some(0.0), "30-79 was predicted once, wrongly");
        assert_eq!(groups[2].2, None, "no true 30-79 face");
    }

    #[test]
    fn empty_input_has_no_accuracy() {
        let s = GroupedScore::from_pairs("report4", &labels(), []);
        assert_eq!(s.accuracy(), None);
        assert_eq!(s.one_off(), None);
        assert_eq!(whole_years(-3.0), Some(0));
        assert_eq!(whole_years(f64::INFINITY), None);
    }
}
