//! Keras-style model summaries: one row per layer (name, type, output shape, parameters) and the
//! totals, printed like Keras' `model.summary()`.

use std::fmt;

use crate::{HeadSpec, InputShape};

/// One layer of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// Layer name; for layers with variables, the prefix of their names in the `VarStore`
    /// (`features.0` owns `features.0.weight`).
    pub name: String,
    /// Layer type, as Keras names it (`Conv2D`, `Dense`, `MaxPooling2D`, ...), with the fused
    /// activation when it is not ReLU (`Dense, linear`).
    pub kind: String,
    /// Output shape of one example in libtorch order: `[C, H, W]` or `[F]` (the `Display` impl
    /// prints it the Keras way, `(None, H, W, C)`).
    pub output_shape: Vec<i64>,
    /// All parameters, as Keras' "Param #": learnable ones (frozen included) plus batch-norm
    /// running statistics.
    pub params: i64,
    /// Parameters that currently require gradients.
    pub trainable_params: i64,
    /// Multiply-accumulates per image (convolutions and dense layers only).
    pub mult_adds: i64,
}

/// A model's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Architecture name.
    pub model: String,
    /// Input geometry.
    pub input: InputShape,
    /// The heads, in output order.
    pub heads: Vec<HeadSpec>,
    /// One row per layer, in execution order (the shared trunk, then each head's tower).
    pub rows: Vec<SummaryRow>,
    /// Sum of `params`: Keras' "Total params".
    pub total_params: i64,
    /// Parameters requiring gradients: Keras' "Trainable params".
    pub trainable_params: i64,
    /// Frozen parameters and batch-norm statistics: Keras' "Non-trainable params".
    pub non_trainable_params: i64,
    /// Multiply-accumulates per image (convolutions and dense layers).
    pub mult_adds: i64,
}

impl Summary {
    pub(crate) fn new(model: &str, input: InputShape, heads: Vec<HeadSpec>, rows: Vec<SummaryRow>) -> Summary {
        let total_params = rows.iter().map(|r| r.params).sum();
        let trainable_params = rows.iter().map(|r| r.trainable_params).sum();
        let mult_adds = rows.iter().map(|r| r.mult_adds).sum();
        Summary {
            model: model.to_string(),
            input,
            heads,
            rows,
            total_params,
            trainable_params,
            non_trainable_params: total_params - trainable_params,
            mult_adds,
        }
    }

    /// The row of a layer, by name.
    pub fn row(&self, name: &str) -> Option<&SummaryRow> {
        self.rows.iter().find(|r| r.name == name)
    }
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let head = digits.len() % 3;
    let mut groups: Vec<&str> = Vec::new();
    if head > 0 {
        groups.push(&digits[..head]);
    }
    groups.extend((head..digits.len()).step_by(3).map(|i| &digits[i..i + 3]));
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", groups.join(","))
}

/// `15_470_264_320` -> `15.47 G`.
pub fn human(n: i64) -> String {
    let x = n as f64;
    if x >= 1e9 {
        format!("{:.2} G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.2} K", x / 1e3)
    } else {
        format!("{n}")
    }
}

fn bytes(params: i64) -> String {
    let b = params as f64 * 4.0;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GB", b / (1024.0 * 1024.0 * 1024.0))
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.2} MB", b / (1024.0 * 1024.0))
    } else if b >= 1024.0 {
        format!("{:.2} KB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

/// Keras' shape notation: `(None, H, W, C)` or `(None, F)`.
pub fn keras_shape(dims: &[i64]) -> String {
    let order: Vec<i64> = match dims {
        [c, h, w] => vec![*h, *w, *c],
        other => other.to_vec(),
    };
    let inner: Vec<String> = order.iter().map(|d| d.to_string()).collect();
    format!("(None, {})", inner.join(", "))
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let heads: Vec<String> = self.heads.iter().map(|h| format!("{}:{}", h.name, h.outputs)).collect();
        let cells: Vec<(String, String, String)> = self
            .rows
            .iter()
            .map(|r| (format!("{} ({})", r.name, r.kind), keras_shape(&r.output_shape), thousands(r.params)))
            .collect();
        let w1 = cells.iter().map(|c| c.0.len()).max().unwrap_or(0).max("Layer (type)".len()) + 3;
        let w2 = cells.iter().map(|c| c.1.len()).max().unwrap_or(0).max("Output Shape".len()) + 3;
        let w3 = cells.iter().map(|c| c.2.len()).max().unwrap_or(0).max("Param #".len());
        let width = 1 + w1 + w2 + w3;
        writeln!(
            f,
            "Model: \"{}\" (input {}x{}x{}, heads {})",
            self.model,
            self.input.channels,
            self.input.size,
            self.input.size,
            heads.join(" ")
        )?;
        writeln!(f, "{}", "_".repeat(width))?;
        writeln!(f, " {:<w1$}{:<w2$}Param #", "Layer (type)", "Output Shape")?;
        writeln!(f, "{}", "=".repeat(width))?;
        for (i, (a, b, c)) in cells.iter().enumerate() {
            writeln!(f, " {a:<w1$}{b:<w2$}{c}")?;
            if i + 1 < cells.len() {
                writeln!(f)?;
            }
        }
        writeln!(f, "{}", "=".repeat(width))?;
        writeln!(f, "Total params: {} ({})", thousands(self.total_params), bytes(self.total_params))?;
        writeln!(f, "Trainable params: {} ({})", thousands(self.trainable_params), bytes(self.trainable_params))?;
        writeln!(
            f,
            "Non-trainable params: {} ({})",
            thousands(self.non_trainable_params),
            bytes(self.non_trainable_params)
        )?;
        writeln!(f, "Multiply-adds per image: {} ({})", thousands(self.mult_adds), human(self.mult_adds))?;
        write!(f, "{}", "_".repeat(width))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(448), "448");
        assert_eq!(thousands(1_084_613), "1,084,613");
        assert_eq!(thousands(-1234), "-1,234");
        assert_eq!(human(15_470_264_320), "15.47 G");
        assert_eq!(keras_shape(&[16, 126, 126]), "(None, 126, 126, 16)");
        assert_eq!(keras_shape(&[5]), "(None, 5)");
        assert_eq!(bytes(1_084_613), "4.14 MB");
    }
}
