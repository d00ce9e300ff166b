//! A module directory (`nn/mod.rs`) declaring module files of its own.

pub mod act;
pub mod layer;
pub mod loss;
