//! What happens to one cell, told as it happens, for `cordon trace`.
//!
//! The trial functions are generic over a [`Recorder`]. Ordinary runs use
//! [`NoRecorder`], whose calls compile to nothing: the events are built
//! from values the model has at hand anyway, and a no-op that is inlined
//! leaves no code behind, so a run pays neither a branch nor a byte per
//! cell for tracing. A recorder only watches: it never changes a draw, so
//! a traced trial is the trial `cordon run` ran.

use super::trial::Cell;

/// What happened to a cell. One event is one increment of at most one
/// counter of the trial's record (docs/model.md §5), so that counting events
/// gives back the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Spawned at a source region (§3.4); `to` is its target. Counts as
    /// `new_cells`.
    Spawned,
    /// Moved over an internal link (no check; counts nothing).
    Moved,
    /// Tried to cross a border segment (`attempts`).
    Attempted,
    /// Detected while trying (`detections`).
    Detected,
    /// Removed at the border (`border_interdictions`).
    InterdictedAtBorder,
    /// Detected but not stopped: stays where it was (counts nothing).
    Repelled,
    /// Crossed a segment without entering member territory from outside
    /// (counts nothing alliance-wide).
    Crossed,
    /// Crossed from a non-member region into a member region: an entry
    /// (`entries`).
    Entered,
    /// An entry from a state without source regions (`entries` and
    /// `indirect_entries`).
    EnteredIndirect,
    /// Reached its target (`newly_established`).
    Established,
    /// Attacked; the event carries the severity (`attacks`, `severity`).
    Attacked,
    /// Removed inside member territory (`interior_interdictions`).
    InterdictedInside,
    /// Had made `max_transit_weeks` decisions: removed (`abandoned`).
    Abandoned,
    /// Shrank to no members (`dissolved`).
    Dissolved,
}

impl EventKind {
    /// Every kind, in the order of a cell's life.
    pub const ALL: [EventKind; 14] = [
        EventKind::Spawned,
        EventKind::Moved,
        EventKind::Attempted,
        EventKind::Detected,
        EventKind::InterdictedAtBorder,
        EventKind::Repelled,
        EventKind::Crossed,
        EventKind::Entered,
        EventKind::EnteredIndirect,
        EventKind::Established,
        EventKind::Attacked,
        EventKind::InterdictedInside,
        EventKind::Abandoned,
        EventKind::Dissolved,
    ];

    /// The name written in `events.csv`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Spawned => "spawned",
            EventKind::Moved => "moved",
            EventKind::Attempted => "attempted",
            EventKind::Detected => "detected",
            EventKind::InterdictedAtBorder => "interdicted_at_border",
            EventKind::Repelled => "repelled",
            EventKind::Crossed => "crossed",
            EventKind::Entered => "entered",
            EventKind::EnteredIndirect => "entered_indirect",
            EventKind::Established => "established",
            EventKind::Attacked => "attacked",
            EventKind::InterdictedInside => "interdicted_inside",
            EventKind::Abandoned => "abandoned",
            EventKind::Dissolved => "dissolved",
        }
    }

    /// Whether the cell is removed by it.
    pub fn ends_the_cell(self) -> bool {
        matches!(
            self,
            EventKind::InterdictedAtBorder
                | EventKind::InterdictedInside
                | EventKind::Abandoned
                | EventKind::Dissolved
        )
    }

    /// Whether the cell is in `to` after it (a move or a crossing).
    pub fn moves_the_cell(self) -> bool {
        matches!(
            self,
            EventKind::Moved | EventKind::Crossed | EventKind::Entered | EventKind::EnteredIndirect
        )
    }
}

/// One event of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The week run, counted from the first warm-up week (subtract
    /// `warmup_weeks` for the recorded week).
    pub run_week: u32,
    pub kind: EventKind,
    /// The region the cell is in when it happens.
    pub region: u32,
    /// The region it moves or tries to move to; a new cell's target.
    pub to: Option<u32>,
    /// The border (index in the scenario) it moves over or tries.
    pub border: Option<u32>,
    /// The cell's size when it happens.
    pub size: u64,
    /// An attack's severity (0 otherwise).
    pub severity: u64,
}

impl Event {
    /// An event of `kind` where `cell` stands, in the `run_week`-th week run.
    #[inline(always)]
    pub(crate) fn at<T>(run_week: u32, kind: EventKind, cell: &Cell<T>) -> Event {
        Event {
            run_week,
            kind,
            region: cell.region(),
            to: None,
            border: None,
            size: cell.size(),
            severity: 0,
        }
    }

    /// The event with a destination and, for a move, its border.
    #[inline(always)]
    pub(crate) fn towards(mut self, to: u32, border: Option<u32>) -> Event {
        self.to = Some(to);
        self.border = border;
        self
    }
}

/// The common-random-number key of a cell: index of its source region
/// among the sources, the week of its spawn counted from the first
/// warm-up week, and its index in that week's spawn there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct CellKey {
    pub source: u32,
    pub week: u32,
    pub index: u32,
}

/// Watches a trial's cells.
pub trait Recorder {
    /// What each cell carries so that its events can be told apart.
    type Tag: Copy;

    /// The tag of the cell with this common-random-number key.
    fn tag(source: u32, week: u32, index: u32) -> Self::Tag;

    /// `event` happened to the cell tagged `tag`.
    fn event(&mut self, tag: Self::Tag, event: Event);
}

/// The recorder of ordinary runs: nothing, at no cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRecorder;

impl Recorder for NoRecorder {
    type Tag = ();

    #[inline(always)]
    fn tag(_: u32, _: u32, _: u32) {}

    #[inline(always)]
    fn event(&mut self, _: (), _: Event) {}
}

/// Every event of every cell, in the order they happen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventLog {
    pub events: Vec<(CellKey, Event)>,
}

impl Recorder for EventLog {
    type Tag = CellKey;

    fn tag(source: u32, week: u32, index: u32) -> CellKey {
        CellKey {
            source,
            week,
            index,
        }
    }

    fn event(&mut self, tag: CellKey, event: Event) {
        self.events.push((tag, event));
    }
}
