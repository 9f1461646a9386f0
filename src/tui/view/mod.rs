//! The view: a pure function of the app's state into a frame. It reads the state only;
//! everything it shows came through messages.

pub mod browser;
pub mod cluster_api;
pub mod cluster_raft;
pub mod cluster_rbac;
pub mod help;
pub mod layout;
pub mod lesson;
pub mod net;
pub mod panels;
pub mod presenter;
pub mod shell;
pub mod status;

use super::state::{App, Overlay, Screen};
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};

/// Styles, with and without colour (`NO_COLOR`): without colour, emphasis is carried by
/// bold, reverse and underline, and marks (✓ ✗ ≠) say what colour would have.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
    pub fn heading(&self) -> Style {
        self.fg(Color::Cyan)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn link(&self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::UNDERLINED)
    }
    pub fn code(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn inline_code(&self) -> Style {
        if self.color {
            Style::default().fg(Color::Yellow)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        }
    }
    pub fn selected(&self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::default().fg(Color::Cyan),
            (true, false) => Style::default().add_modifier(Modifier::BOLD),
            (false, true) => Style::default().fg(Color::DarkGray),
            (false, false) => Style::default(),
        }
    }
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let pal = Palette {
        color: app.opts.color,
    };
    match app.screen {
        Screen::Browser => browser::draw(f, app, &pal),
        Screen::Lesson if app.presenter => presenter::draw(f, app, &pal),
        Screen::Lesson => lesson::draw(f, app, &pal),
    }
    match app.overlay {
        Overlay::Help => help::draw(f, app, &pal),
        Overlay::Confirm(c) => help::confirm(f, app, c, &pal),
        Overlay::None => {}
    }
}
