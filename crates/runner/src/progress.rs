//! Progress: an indicatif bar per epoch on a terminal (loss, running accuracy, images/s, ETA), and a
//! one-line summary per epoch that also goes to the run's `train.log`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A training-epoch progress bar; silent when disabled or not on a terminal.
pub struct EpochBar {
    bar: ProgressBar,
}

impl EpochBar {
    /// A bar over `steps` batches for epoch `epoch` of `epochs`.
    pub fn new(enabled: bool, epoch: usize, epochs: usize, steps: u64) -> EpochBar {
        let bar = ProgressBar::with_draw_target(
            Some(steps),
            if enabled { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
        );
        bar.set_style(
            ProgressStyle::with_template("epoch {prefix} [{bar:30}] {pos}/{len} {msg} {per_sec} ETA {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("{epoch}/{epochs}"));
        EpochBar { bar }
    }

    /// Advances one batch with the running loss and accuracy.
    pub fn step(&self, loss: f64, acc: Option<f64>) {
        self.bar.inc(1);
        match acc {
            Some(a) => self.bar.set_message(format!("loss {loss:.4} acc {:.3}", a)),
            None => self.bar.set_message(format!("loss {loss:.4}")),
        }
    }

    /// Removes the bar (the summary line replaces it).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
