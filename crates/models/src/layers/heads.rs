//! The end of every network: one linear layer over all the heads, or one tower per head, so that
//! the output is always `[N, sum of head outputs]` in `heads` order.

use super::builder::{Builder, MAX_PARAMETERS};
use super::network::Network;
use super::shape::Shape;
use super::Activation;
use crate::{HeadSpec, ModelError};

impl<'a> Builder<'a> {
    /// Ends the network with one linear layer named `name` whose outputs are all the heads
    /// concatenated (a feature map is flattened first).
    pub fn finish_single(mut self, name: &str, heads: &[HeadSpec]) -> Result<Network, ModelError> {
        check_heads(self.model, heads)?;
        if matches!(self.shape, Shape::Map { .. }) {
            self.flatten(None)?;
        }
        self.set_context(None);
        let outputs: i64 = heads.iter().map(|h| h.outputs as i64).sum();
        self.dense(Some(name), outputs, Activation::None)?;
        Ok(Network::new(self.model, self.input, heads, self.layers, Vec::new()))
    }

    /// Ends the network with one tower per head: `tower` appends the head's hidden layers to a
    /// builder rooted at `heads.<head name>` (receiving the trunk's output as it is), then a linear
    /// `out` layer gives the head's outputs (a feature map is flattened first). The towers'
    /// outputs are concatenated in `heads` order.
    pub fn finish_towers(
        self,
        heads: &[HeadSpec],
        tower: &dyn Fn(&mut Builder<'a>) -> Result<(), ModelError>,
    ) -> Result<Network, ModelError> {
        check_heads(self.model, heads)?;
        let mut towers = Vec::new();
        let mut parameters = self.parameters;
        for head in heads {
            let prefix = format!("heads.{}", sanitize(&head.name));
            let vars = self.vars.sub(&prefix);
            let mut b = Builder::starting(
                self.model,
                self.input,
                vars,
                format!("{prefix}."),
                self.init,
                self.shape,
                parameters,
            );
            tower(&mut b)?;
            b.set_context(None);
            if matches!(b.shape, Shape::Map { .. }) {
                b.flatten(None)?;
            }
            b.dense(Some("out"), head.outputs as i64, Activation::None)?;
            parameters = b.parameters;
            towers.push(b.layers);
        }
        Ok(Network::new(self.model, self.input, heads, self.layers, towers))
    }
}

/// Head names become variable-path components: dots and odd characters are replaced by `_`.
fn sanitize(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

/// At least one head, none of zero width.
pub(crate) fn check_heads(model: &'static str, heads: &[HeadSpec]) -> Result<(), ModelError> {
    if heads.is_empty() {
        return Err(ModelError::NoHeads(model));
    }
    if let Some(h) = heads.iter().find(|h| h.outputs == 0) {
        return Err(ModelError::BadInput { model, reason: format!("head {:?} has zero outputs", h.name) });
    }
    // wider than any network may be: refused before the widths are summed as i64
    if let Some(h) = heads.iter().find(|h| h.outputs as u64 > MAX_PARAMETERS as u64) {
        return Err(ModelError::BadInput {
            model,
            reason: format!("head {:?} has {} outputs, more than a network may hold", h.name, h.outputs),
        });
    }
    Ok(())
}
