//! One notification's content, as the engine decides it: text, buttons, urgency and expiry.
//! The notify adapter turns it into a freedesktop `Notify` call.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Low = 0,
    Normal = 1,
    Critical = 2,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub summary: String,
    pub body: String,
    /// (key, label) pairs; `default` is what a plain click does and has no button.
    pub actions: Vec<(String, String)>,
    pub urgency: Urgency,
    /// Zero: the server keeps it until the user closes it.
    pub expire: Duration,
    pub category: &'static str,
}
