//! Hostile input, kept from coming back: file names with spaces, quotes, semicolons, parentheses
//! and unicode through the `just` recipes and the binary; names that would escape the folder they
//! become; out-of-range numbers in every numeric option; truncated, empty and foreign weights; and
//! the photo formats phones and editors write (EXIF-turned, CMYK, 16-bit, palette). Fast (seconds,
//! no training, no real data): it runs in `just test` under CI.

mod hostile {
    pub mod common;
    mod just_recipes;
    mod names;
    mod numbers;
    mod photos;
    mod weights;
}
