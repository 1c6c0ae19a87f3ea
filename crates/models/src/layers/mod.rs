//! The layer engine every zoo architecture is assembled with.
//!
//! A [`Builder`] appends layers one at a time, tracking the feature-map shape analytically so that
//! a layer that does not fit its input (a pooling larger than the map, a `dense` on an unflattened
//! map) fails at build time with a message naming the layer, and so that a summary costs no
//! forward pass. Parameters go into a `VarStore` ([`Vars::Store`]) or, for summaries and input
//! checks, into shape-only stand-ins ([`Vars::Shapes`]) that take no memory and draw no random
//! numbers: one definition of an architecture serves training and its summary. The result is a
//! [`Network`]: a shared trunk plus either nothing more (the trunk already ends in the
//! concatenated heads) or one tower per head whose outputs are concatenated in `heads` order.
//!
//! Variables are named `<layer name>.<weight|bias|running_mean|running_var>`, the layer name being
//! split on dots into `nn::Path` components, so a layer called `features.0` owns
//! `features.0.weight`, exactly as in a PyTorch state dict.
//!
//! One file per concern: `shape` (shapes, padding, window sizes), `activation`, `init` (Keras' and
//! torchvision's initialisation), `builder` (naming, parameters, limits), `conv`, `dense` (with
//! flatten), `pooling`, `norm` (batch norm, LRN), `dropout`, `heads` (the output layer or towers)
//! and `network` (the built layers: forward pass and summary).

mod activation;
mod builder;
mod conv;
mod dense;
mod dropout;
mod heads;
mod init;
mod network;
mod norm;
mod pooling;
mod shape;

pub use activation::Activation;
pub use builder::{Builder, Vars, MAX_PARAMETERS};
pub(crate) use heads::check_heads;
pub use init::{glorot_bound, Init};
pub use network::Network;
pub use norm::local_response_norm;
pub use shape::{same_pad, Pad, Padding, Shape};
