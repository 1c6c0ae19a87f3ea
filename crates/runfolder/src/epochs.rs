//! `metrics.csv` (one row per epoch) and `timing.csv` (its seconds, kept apart so that
//! `metrics.csv` is identical between two runs of the same seed).

use std::path::Path;

use crate::RunFolderError;

/// What a head's columns in `metrics.csv` measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveMetric {
    /// `_acc` columns: fractions in 0..1 (classification heads; higher is better).
    Accuracy,
    /// `_mae` columns: years (regression heads; lower is better).
    Mae,
}

impl CurveMetric {
    fn suffix(self) -> &'static str {
        match self {
            CurveMetric::Accuracy => "acc",
            CurveMetric::Mae => "mae",
        }
    }
}

/// One head's pair of columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadColumn {
    /// Head name.
    pub name: String,
    /// What the columns measure.
    pub metric: CurveMetric,
}

/// One row of `metrics.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRow {
    /// 1-based epoch.
    pub epoch: usize,
    /// Learning rate used.
    pub lr: f64,
    /// Mean training loss (dropout on, as Keras reports it).
    pub train_loss: f64,
    /// Mean validation loss.
    pub valid_loss: f64,
    /// Per head: training accuracy or MAE.
    pub train: Vec<f64>,
    /// Per head: validation accuracy or MAE.
    pub valid: Vec<f64>,
}

/// `metrics.csv`: `epoch,lr,train_loss,valid_loss`, then `train_<head>_<acc|mae>,valid_<head>_<acc|mae>`
/// per head in config order. Floats are written in shortest round-trip form, so a resumed run that
/// reads them back rewrites them byte for byte.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsCsv {
    /// The heads, in column order.
    pub heads: Vec<HeadColumn>,
    /// The epochs so far.
    pub rows: Vec<EpochRow>,
}

const METRICS_FIXED: [&str; 4] = ["epoch", "lr", "train_loss", "valid_loss"];

impl MetricsCsv {
    /// The file's text.
    pub fn to_csv(&self) -> String {
        let mut out = METRICS_FIXED.join(",");
        for h in &self.heads {
            let suf = h.metric.suffix();
            out.push_str(&format!(",train_{0}_{suf},valid_{0}_{suf}", h.name));
        }
        out.push('\n');
        for r in &self.rows {
            out.push_str(&format!("{},{},{},{}", r.epoch, r.lr, r.train_loss, r.valid_loss));
            for (a, b) in r.train.iter().zip(&r.valid) {
                out.push_str(&format!(",{a},{b}"));
            }
            out.push('\n');
        }
        out
    }

    /// Writes the file atomically.
    pub fn write(&self, path: &Path) -> Result<(), RunFolderError> {
        crate::write_atomic(path, self.to_csv().as_bytes())
    }

    /// Reads the file; the heads come from its header.
    pub fn read(path: &Path) -> Result<MetricsCsv, RunFolderError> {
        Ok(MetricsCsv::read_with_timing(path)?.0)
    }

    /// Reads the file, and the timing that early runs wrote into it (`epoch,lr,seconds,
    /// train_images_per_s,...`, before `timing.csv` existed); empty for a current file.
    pub fn read_with_timing(path: &Path) -> Result<(MetricsCsv, Vec<TimingRow>), RunFolderError> {
        let (header, rows) = read_records(path, "per-epoch metrics (docs/run-folder.md, metrics.csv)")?;
        let bad_header = |column: &str, expected: &str| RunFolderError::MissingColumn {
            path: path.to_path_buf(),
            column: column.to_owned(),
            expected: expected.to_owned(),
        };
        let inline_timing = header.get(2..4) == Some(&LEGACY_TIMING.map(String::from)[..]);
        // where epoch, lr, train_loss, valid_loss are
        let fixed: [usize; 4] = if inline_timing { [0, 1, 4, 5] } else { [0, 1, 2, 3] };
        for (want, &i) in METRICS_FIXED.iter().zip(&fixed) {
            if header.get(i).map(String::as_str) != Some(want) {
                return Err(bad_header(want, &format!("column {} of the header", i + 1)));
            }
        }
        let first_head = fixed[3] + 1;
        let mut heads = Vec::new();
        for pair in header[first_head..].chunks(2) {
            let train = &pair[0];
            let parsed = train.strip_prefix("train_").and_then(|rest| {
                let (name, metric) = match rest.rsplit_once('_')? {
                    (n, "acc") => (n, CurveMetric::Accuracy),
                    (n, "mae") => (n, CurveMetric::Mae),
                    _ => return None,
                };
                Some(HeadColumn { name: name.to_owned(), metric })
            });
            let Some(head) = parsed else {
                return Err(bad_header(train, "train_<head>_acc or train_<head>_mae"));
            };
            let valid = format!("valid_{}_{}", head.name, head.metric.suffix());
            if pair.get(1) != Some(&valid) {
                return Err(bad_header(&valid, &format!("right after {train}")));
            }
            heads.push(head);
        }
        let mut timing = Vec::new();
        let mut epochs = Vec::with_capacity(rows.len());
        for (line, cells) in rows {
            let num = |i: usize| number(path, line, &header[i], &cells[i]);
            let epoch = integer(path, line, "epoch", &cells[0])?;
            if inline_timing {
                timing.push(TimingRow { epoch, seconds: num(2)?, train_images_per_s: num(3)? });
            }
            epochs.push(EpochRow {
                epoch,
                lr: num(fixed[1])?,
                train_loss: num(fixed[2])?,
                valid_loss: num(fixed[3])?,
                train: (0..heads.len()).map(|h| num(first_head + 2 * h)).collect::<Result<_, _>>()?,
                valid: (0..heads.len()).map(|h| num(first_head + 1 + 2 * h)).collect::<Result<_, _>>()?,
            });
        }
        Ok((MetricsCsv { heads, rows: epochs }, timing))
    }
}

/// The timing columns early runs kept in `metrics.csv`, after `lr`.
const LEGACY_TIMING: [&str; 2] = ["seconds", "train_images_per_s"];

/// One row of `timing.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingRow {
    /// 1-based epoch.
    pub epoch: usize,
    /// Seconds of training steps in the epoch.
    pub seconds: f64,
    /// Training images per second.
    pub train_images_per_s: f64,
}

impl TimingRow {
    /// The file's text (milliseconds and tenths: timing is never compared bit for bit).
    pub fn to_csv(rows: &[TimingRow]) -> String {
        let mut out = String::from("epoch,seconds,train_images_per_s\n");
        for r in rows {
            out.push_str(&format!("{},{:.3},{:.1}\n", r.epoch, r.seconds, r.train_images_per_s));
        }
        out
    }

    /// Writes the file atomically.
    pub fn write(rows: &[TimingRow], path: &Path) -> Result<(), RunFolderError> {
        crate::write_atomic(path, TimingRow::to_csv(rows).as_bytes())
    }

    /// Reads the file.
    pub fn read(path: &Path) -> Result<Vec<TimingRow>, RunFolderError> {
        let (header, rows) = read_records(path, "per-epoch timing (epoch, seconds, train_images_per_s)")?;
        if header != ["epoch", "seconds", "train_images_per_s"] {
            return Err(RunFolderError::MissingColumn {
                path: path.to_path_buf(),
                column: "epoch,seconds,train_images_per_s".into(),
                expected: "exactly these three columns".into(),
            });
        }
        rows.into_iter()
            .map(|(line, c)| {
                Ok(TimingRow {
                    epoch: integer(path, line, "epoch", &c[0])?,
                    seconds: number(path, line, "seconds", &c[1])?,
                    train_images_per_s: number(path, line, "train_images_per_s", &c[2])?,
                })
            })
            .collect()
    }
}

/// A CSV file's header and its rows as (1-based line, cells).
pub(crate) type Records = (Vec<String>, Vec<(usize, Vec<String>)>);

/// The header and the (line, cells) of each row of a CSV file whose rows all have the header's length.
pub(crate) fn read_records(path: &Path, expected: &str) -> Result<Records, RunFolderError> {
    let bytes = crate::atomic::read_bytes(path, expected)?;
    let csv_err = |source| RunFolderError::Csv { path: path.to_path_buf(), source };
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().map_err(csv_err)?.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        rows.push((line, rec.iter().map(str::to_owned).collect()));
    }
    Ok((header, rows))
}

pub(crate) fn number(path: &Path, line: usize, column: &str, cell: &str) -> Result<f64, RunFolderError> {
    cell.parse().map_err(|_| malformed(path, line, column, "a number", cell))
}

pub(crate) fn integer(path: &Path, line: usize, column: &str, cell: &str) -> Result<usize, RunFolderError> {
    cell.parse().map_err(|_| malformed(path, line, column, "a whole number", cell))
}

pub(crate) fn malformed(path: &Path, line: usize, column: &str, expected: &str, found: &str) -> RunFolderError {
    RunFolderError::Malformed {
        path: path.to_path_buf(),
        line,
        column: column.to_owned(),
        expected: expected.to_owned(),
        found: found.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_and_timing_round_trip_byte_for_byte() {
        let d = tempfile::tempdir().unwrap();
        let m = MetricsCsv {
            heads: vec![
                HeadColumn { name: "gender".into(), metric: CurveMetric::Accuracy },
                HeadColumn { name: "age_years".into(), metric: CurveMetric::Mae },
            ],
            rows: vec![
                EpochRow {
                    epoch: 1,
                    lr: 0.001,
                    train_loss: 0.1 + 0.2,
                    valid_loss: 1.0 / 3.0,
                    train: vec![0.5, 9.25],
                    valid: vec![0.625, 8.0],
                },
                EpochRow {
                    epoch: 2,
                    lr: 1e-4,
                    train_loss: 0.25,
                    valid_loss: 0.3,
                    train: vec![0.75, 7.5],
                    valid: vec![0.7, 7.0],
                },
            ],
        };
        let text = m.to_csv();
        assert!(text.starts_with("epoch,lr,train_loss,valid_loss,train_gender_acc,valid_gender_acc,train_age_years_mae,valid_age_years_mae\n1,0.001,0.30000000000000004,"), "{text}");
        m.write(&d.path().join("metrics.csv")).unwrap();
        let back = MetricsCsv::read(&d.path().join("metrics.csv")).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.to_csv(), text);

        let t = vec![TimingRow { epoch: 1, seconds: 12.5, train_images_per_s: 80.0 }];
        TimingRow::write(&t, &d.path().join("timing.csv")).unwrap();
        assert_eq!(
            std::fs::read_to_string(d.path().join("timing.csv")).unwrap(),
            "epoch,seconds,train_images_per_s\n1,12.500,80.0\n"
        );
        assert_eq!(TimingRow::read(&d.path().join("timing.csv")).unwrap(), t);
    }

    #[test]
    fn bad_files_name_the_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("metrics.csv");
        std::fs::write(&p, "epoch,lr,train_loss,valid_loss,train_g_acc,valid_g_acc\n1,0.1,x,0.2,0.5,0.5\n").unwrap();
        let e = MetricsCsv::read(&p).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("train_loss") && e.contains("\"x\""), "{e}");
        std::fs::write(&p, "epoch,lr,train_loss,valid_loss,train_g_acc,valid_h_acc\n").unwrap();
        assert!(MetricsCsv::read(&p).unwrap_err().to_string().contains("valid_g_acc"));
    }

    #[test]
    fn early_files_with_timing_inline_still_read() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("metrics.csv");
        std::fs::write(&p, "epoch,lr,seconds,train_images_per_s,train_loss,valid_loss,train_age_acc,valid_age_acc\n1,0.001,42.10,3818.5,1.5,1.6,0.45,0.42\n").unwrap();
        let (m, t) = MetricsCsv::read_with_timing(&p).unwrap();
        assert_eq!(
            m.rows[0],
            EpochRow { epoch: 1, lr: 0.001, train_loss: 1.5, valid_loss: 1.6, train: vec![0.45], valid: vec![0.42] }
        );
        assert_eq!(t, vec![TimingRow { epoch: 1, seconds: 42.1, train_images_per_s: 3818.5 }]);
        assert!(m.to_csv().starts_with("epoch,lr,train_loss,valid_loss,train_age_acc,valid_age_acc\n"));
    }
}
