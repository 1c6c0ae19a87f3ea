//! Helpers shared by the tests (and the example that writes the MobileNetV2 check's input).

pub mod check;
