//! Integration tests, built as one binary (one libtorch link). Real-data tests read UTKFace from
//! `$AGELAB_DATA/UTKFace` (CI sets it to ../shared/data); without it they say so and pass, except
//! under CI (`CI` set), where missing data is a failure (the `testenv` crate's rule).

mod integration {
    pub mod common;
    mod detect_predict;
    mod experiments;
    mod predict_real;
    mod released;
    mod report_cli;
    mod reproduce;
    mod run_folder;
    mod slurm;
    mod train_real;
}
