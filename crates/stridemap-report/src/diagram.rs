//! The architecture diagram of the HTML report, as inline SVG. layout-rs (a pure-Rust Sugiyama
//! layout) places the nodes of each trust boundary, then places the boundaries themselves as
//! boxes in a second, much smaller layout; flows that cross boundaries are drawn as curves
//! between the placed nodes. Laying out boundaries one by one keeps every boundary a contiguous
//! box and keeps large systems fast (no single layout ever sees hundreds of nodes at once).

use crate::graph::{flow_label, Diagram};
use crate::html::escape;
use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::{Point, Position};
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use stridemap_model::architecture::{ArchNode, Flow, Role};
use stridemap_model::{Report, Severity};

/// What the diagram says about itself, for the page around it.
pub(crate) struct Drawn {
    pub svg: String,
    /// Nodes of the architecture drawn (the Internet marker is not one of them).
    pub nodes: usize,
    pub width: f64,
    /// How the diagram was laid out, for the report's footer.
    pub engine: &'static str,
}

/// Diagrams with more nodes than this are arranged without layout-rs: a grid per boundary and
/// the boundaries in columns by flow direction. Its crossing reduction is what makes diagrams
/// readable, but its cost grows quickly, and a diagram of hundreds of nodes is a map to scroll
/// through rather than a picture to take in at once.
const MAX_LAYOUT_DIAGRAM: usize = 120;
/// Boundaries above which they are placed in columns instead of by layout-rs.
const MAX_LAYOUT_CLUSTERS: usize = 12;
const COLUMN_GAP: f64 = 70.0;
const ROW_GAP: f64 = 40.0;

/// Above this many nodes, a boundary is arranged in a grid instead of by layout-rs, whose
/// crossing reduction grows quickly with the number of nodes in one layout.
const MAX_LAYOUT_NODES: usize = 60;
/// Rows of a grid-arranged boundary at least, before it starts another column (more for large
/// boundaries, so that they stay about twice as tall as wide).
const GRID_ROWS: usize = 16;
/// Flow labels are drawn on diagrams up to this many flows; larger diagrams keep them in the
/// tooltip only, where they do not pile up on each other.
const MAX_LABELLED_FLOWS: usize = 80;
const NODE_HEIGHT: f64 = 60.0;
const CLUSTER_PAD: f64 = 18.0;
const CLUSTER_TITLE: f64 = 28.0;
const MARGIN: f64 = 12.0;
const INTERNET_R: f64 = 34.0;
/// Space layout-rs keeps around each node (its own default, 60, spreads a diagram thin).
const NODE_HALO: f64 = 24.0;
/// Space around each boundary in the layout of the boundaries.
const CLUSTER_HALO: f64 = 30.0;

/// A box of the given size for layout-rs to place, with the given free space around it.
fn element(width: f64, height: f64, halo: f64) -> Element {
    let mut e = Element::create(
        ShapeKind::Box(String::new()),
        StyleAttr::simple(),
        Orientation::LeftToRight,
        Point::new(width, height),
    );
    e.pos = Position::new(
        Point::zero(),
        Point::new(width, height),
        Point::zero(),
        Point::splat(halo),
    );
    e
}

#[derive(Clone, Copy, Debug, Default)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn right(&self) -> f64 {
        self.x + self.w
    }
    fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
    fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
}

/// Collects the arrows layout-rs routes; nodes are read back from the graph itself.
#[derive(Default)]
struct ArrowRecorder {
    /// Flow index → the curve's points (as layout-rs gives them) and which ends carry heads.
    arrows: BTreeMap<usize, (Vec<(Point, Point)>, (bool, bool))>,
}

impl RenderBackend for ArrowRecorder {
    fn draw_rect(
        &mut self,
        _: Point,
        _: Point,
        _: &StyleAttr,
        _: Option<String>,
        _: Option<usize>,
    ) {
    }
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}
    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if let Some(flow) = properties.and_then(|p| p.parse().ok()) {
            self.arrows.insert(flow, (path.to_vec(), head));
        }
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// One boundary, laid out around its own origin.
struct Cluster {
    key: String,
    title: String,
    width: f64,
    height: f64,
    /// Node index → rectangle, relative to the cluster's top-left corner.
    nodes: BTreeMap<usize, Rect>,
    /// Flow index → curve relative to the cluster, for flows inside the boundary.
    curves: BTreeMap<usize, (Vec<(Point, Point)>, (bool, bool))>,
}

struct NodeText {
    lines: Vec<String>,
    width: f64,
}

/// Longest name shown on a node before it is shortened (the tooltip has it whole).
const MAX_NAME_CHARS: usize = 30;

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn role_word(n: &ArchNode) -> &'static str {
    match n.role {
        Role::Service if n.external => "external system",
        Role::Service => "service",
        Role::DataStore => "data store",
        Role::Broker => "message broker",
        Role::EntryPoint => "entry point",
    }
}

/// Threats touching each node: how many, and the worst severity.
fn node_threats(report: &Report) -> FxHashMap<&str, (usize, Severity)> {
    let mut out: FxHashMap<&str, (usize, Severity)> = FxHashMap::default();
    for t in &report.threats {
        for e in &t.elements {
            let entry = out.entry(e.as_str()).or_insert((0, Severity::Info));
            entry.0 += 1;
            entry.1 = entry.1.min(t.severity);
        }
    }
    out
}

fn node_text(n: &ArchNode, threats: Option<&(usize, Severity)>) -> NodeText {
    let mut second = n
        .technology
        .clone()
        .unwrap_or_else(|| role_word(n).to_string());
    if n.mesh {
        second.push_str(" · mesh");
    }
    let mut lines = vec![shorten(&n.name, MAX_NAME_CHARS), shorten(&second, 34)];
    if let Some((count, worst)) = threats {
        let noun = if *count == 1 { "threat" } else { "threats" };
        lines.push(format!("{count} {noun} · worst {worst}"));
    }
    // Approximate advance widths of the page's sans-serif at the sizes the CSS sets.
    let width = lines
        .iter()
        .enumerate()
        .map(|(i, l)| l.chars().count() as f64 * if i == 0 { 7.6 } else { 6.4 })
        .fold(0.0, f64::max)
        + 26.0;
    NodeText {
        lines,
        width: width.max(96.0),
    }
}

/// Places a boundary's nodes: layout-rs when there are flows inside to arrange them by, a grid
/// otherwise (or when the boundary is too large to lay out quickly).
fn layout_cluster(
    key: String,
    title: String,
    members: &[usize],
    inner_flows: &[(usize, usize, usize)],
    sizes: &[f64],
    allow_layout: bool,
) -> Cluster {
    let by_layout = allow_layout && !inner_flows.is_empty() && members.len() <= MAX_LAYOUT_NODES;
    let placed = if by_layout {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sugiyama(members, inner_flows, sizes)
        }))
        .ok()
    } else {
        None
    };
    let (nodes, curves) = placed.unwrap_or_else(|| (grid(members, sizes), BTreeMap::new()));
    // Normalise to the cluster's own origin, leaving room for padding and the title.
    let mut min = Point::new(f64::MAX, f64::MAX);
    let mut max = Point::new(f64::MIN, f64::MIN);
    let mut grow = |p: Point| {
        min = Point::new(min.x.min(p.x), min.y.min(p.y));
        max = Point::new(max.x.max(p.x), max.y.max(p.y));
    };
    for r in nodes.values() {
        grow(Point::new(r.x, r.y));
        grow(Point::new(r.right(), r.y + r.h));
    }
    for (points, _) in curves.values() {
        for (a, b) in points {
            grow(*a);
            grow(*b);
        }
    }
    let dx = CLUSTER_PAD - min.x;
    let dy = CLUSTER_PAD + CLUSTER_TITLE - min.y;
    let shift = |p: Point| Point::new(p.x + dx, p.y + dy);
    let title_width = title.chars().count() as f64 * 7.0 + 2.0 * CLUSTER_PAD;
    Cluster {
        key,
        width: (max.x - min.x + 2.0 * CLUSTER_PAD).max(title_width),
        height: max.y - min.y + 2.0 * CLUSTER_PAD + CLUSTER_TITLE,
        title,
        nodes: nodes
            .into_iter()
            .map(|(i, r)| {
                (
                    i,
                    Rect {
                        x: r.x + dx,
                        y: r.y + dy,
                        ..r
                    },
                )
            })
            .collect(),
        curves: curves
            .into_iter()
            .map(|(f, (points, heads))| {
                let moved = points.iter().map(|(a, b)| (shift(*a), shift(*b))).collect();
                (f, (moved, heads))
            })
            .collect(),
    }
}

type Curves = BTreeMap<usize, (Vec<(Point, Point)>, (bool, bool))>;

fn sugiyama(
    members: &[usize],
    inner_flows: &[(usize, usize, usize)],
    sizes: &[f64],
) -> (BTreeMap<usize, Rect>, Curves) {
    let mut vg = VisualGraph::new(Orientation::LeftToRight);
    let handles: BTreeMap<usize, _> = members
        .iter()
        .map(|&i| (i, vg.add_node(element(sizes[i], NODE_HEIGHT, NODE_HALO))))
        .collect();
    for &(flow, from, to) in inner_flows {
        let arrow = Arrow {
            properties: Some(flow.to_string()),
            ..Arrow::default()
        };
        vg.add_edge(arrow, handles[&from], handles[&to]);
    }
    let mut recorder = ArrowRecorder::default();
    vg.do_it(false, false, false, &mut recorder);
    let nodes = handles
        .iter()
        .map(|(&i, &h)| {
            let (top_left, bottom_right) = vg.pos(h).bbox(false);
            (
                i,
                Rect {
                    x: top_left.x,
                    y: top_left.y,
                    w: bottom_right.x - top_left.x,
                    h: bottom_right.y - top_left.y,
                },
            )
        })
        .collect();
    (nodes, recorder.arrows)
}

fn grid(members: &[usize], sizes: &[f64]) -> BTreeMap<usize, Rect> {
    let mut out = BTreeMap::new();
    let most = ((2.0 * members.len() as f64).sqrt().ceil() as usize).max(GRID_ROWS);
    let columns = members.len().div_ceil(most).max(1);
    let rows = members.len().div_ceil(columns).max(1);
    let mut x = 0.0;
    for column in members.chunks(rows) {
        let width = column.iter().map(|&i| sizes[i]).fold(0.0, f64::max);
        for (row, &i) in column.iter().enumerate() {
            out.insert(
                i,
                Rect {
                    x,
                    y: row as f64 * (NODE_HEIGHT + 12.0),
                    w: sizes[i],
                    h: NODE_HEIGHT,
                },
            );
        }
        x += width + 28.0;
    }
    out
}

/// Where a flow's label sits: halfway along a cubic Bézier curve.
fn bezier_middle(p0: Point, c1: Point, c2: Point, p3: Point) -> Point {
    Point::new(
        (p0.x + 3.0 * c1.x + 3.0 * c2.x + p3.x) / 8.0,
        (p0.y + 3.0 * c1.y + 3.0 * c2.y + p3.y) / 8.0,
    )
}

/// The SVG path of a layout-rs curve, and a point near its middle for the label.
fn path_data(points: &[(Point, Point)]) -> (String, Point) {
    // layout-rs's curve: the first pair is the start and its control point, each following pair
    // an entry control point and the point it leads to (SVG's C, then S commands).
    let mut d = String::new();
    if points.len() < 2 {
        return (d, Point::zero());
    }
    let _ = write!(
        d,
        "M{:.1} {:.1} C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
        points[0].0.x,
        points[0].0.y,
        points[0].1.x,
        points[0].1.y,
        points[1].0.x,
        points[1].0.y,
        points[1].1.x,
        points[1].1.y
    );
    for (a, b) in &points[2..] {
        let _ = write!(d, " S{:.1} {:.1} {:.1} {:.1}", a.x, a.y, b.x, b.y);
    }
    // The curve passes through the second point of every pair; take the middle one, or the
    // middle of the single segment.
    let middle = if points.len() == 2 {
        bezier_middle(points[0].0, points[0].1, points[1].0, points[1].1)
    } else {
        points[points.len() / 2].1
    };
    (d, middle)
}

/// A curve between two nodes in different boundaries: out of the source's right side into the
/// target's left side, or around when the target sits to the left.
fn cross_path(from: Rect, to: Rect) -> (String, Point) {
    let (p0, c1, c2, p3) = if to.x >= from.right() {
        let (x1, y1, x2, y2) = (from.right(), from.cy(), to.x, to.cy());
        let bend = ((x2 - x1) / 2.0).max(30.0);
        (
            Point::new(x1, y1),
            Point::new(x1 + bend, y1),
            Point::new(x2 - bend, y2),
            Point::new(x2, y2),
        )
    } else if to.right() <= from.x {
        let (x1, y1, x2, y2) = (from.x, from.cy(), to.right(), to.cy());
        let bend = ((x1 - x2) / 2.0).max(30.0);
        (
            Point::new(x1, y1),
            Point::new(x1 - bend, y1),
            Point::new(x2 + bend, y2),
            Point::new(x2, y2),
        )
    } else {
        // Overlapping columns: leave by the bottom or top and come in the same way.
        let down = to.cy() > from.cy();
        let (y1, y2) = if down {
            (from.y + from.h, to.y)
        } else {
            (from.y, to.y + to.h)
        };
        let bend = ((y2 - y1).abs() / 2.0).max(30.0) * if down { 1.0 } else { -1.0 };
        (
            Point::new(from.cx(), y1),
            Point::new(from.cx(), y1 + bend),
            Point::new(to.cx(), y2 - bend),
            Point::new(to.cx(), y2),
        )
    };
    let d = format!(
        "M{:.1} {:.1} C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
        p0.x, p0.y, c1.x, c1.y, c2.x, c2.y, p3.x, p3.y
    );
    (d, bezier_middle(p0, c1, c2, p3))
}

fn node_shape(n: &ArchNode, w: f64, h: f64) -> String {
    match n.role {
        Role::DataStore => {
            let ry = 7.0;
            format!(
                "<path class=\"shape\" d=\"M0 {ry} A{:.1} {ry} 0 0 1 {w:.1} {ry} V{:.1} A{:.1} {ry} 0 0 1 0 {:.1} Z M0 {ry} A{:.1} {ry} 0 0 0 {w:.1} {ry}\"/>",
                w / 2.0,
                h - ry,
                w / 2.0,
                h - ry,
                w / 2.0
            )
        }
        Role::Broker => format!(
            "<path class=\"shape\" d=\"M0 0 H{:.1} L{w:.1} {:.1} L{:.1} {h:.1} H0 L10 {:.1} Z\"/>",
            w - 10.0,
            h / 2.0,
            w - 10.0,
            h / 2.0
        ),
        Role::EntryPoint => format!(
            "<path class=\"shape\" d=\"M10 0 H{:.1} L{w:.1} {:.1} L{:.1} {h:.1} H10 L0 {:.1} Z\"/>",
            w - 10.0,
            h / 2.0,
            w - 10.0,
            h / 2.0
        ),
        Role::Service => {
            format!("<rect class=\"shape\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"6\"/>")
        }
    }
}

/// Places boxes of the given sizes with layout-rs, linked as given; returns their top-left
/// corners.
fn place_boxes(sizes: &[(f64, f64)], links: &BTreeSet<(usize, usize)>) -> Vec<Rect> {
    // layout-rs asserts on an empty graph (an empty report has no boundaries).
    if sizes.is_empty() {
        return Vec::new();
    }
    let mut top = VisualGraph::new(Orientation::LeftToRight);
    let handles: Vec<_> = sizes
        .iter()
        .map(|&(w, h)| top.add_node(element(w, h, CLUSTER_HALO)))
        .collect();
    for &(a, b) in links {
        top.add_edge(Arrow::default(), handles[a], handles[b]);
    }
    top.do_it(false, false, false, &mut ArrowRecorder::default());
    handles
        .iter()
        .map(|&h| {
            let (top_left, _) = top.pos(h).bbox(false);
            Rect {
                x: top_left.x,
                y: top_left.y,
                ..Rect::default()
            }
        })
        .collect()
}

/// Places boxes in columns by flow direction, without a layout engine: each box one column
/// right of the furthest box that links to it (links that would close a cycle are ignored),
/// boxes of a column stacked in index order. Linear in boxes and links.
fn columns(sizes: &[(f64, f64)], links: &BTreeSet<(usize, usize)>) -> Vec<Rect> {
    let n = sizes.len();
    let mut incoming = vec![0usize; n];
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in links {
        if a != b {
            incoming[b] += 1;
            outgoing[a].push(b);
        }
    }
    // Kahn's order; when only cycles remain, the lowest-index box left goes next.
    let mut order = Vec::with_capacity(n);
    let mut done = vec![false; n];
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| incoming[i] == 0).collect();
    while order.len() < n {
        let next = match ready.pop_first() {
            Some(i) => i,
            None => (0..n).find(|&i| !done[i]).expect("a box is left"),
        };
        if done[next] {
            continue;
        }
        done[next] = true;
        order.push(next);
        for &b in &outgoing[next] {
            incoming[b] = incoming[b].saturating_sub(1);
            if incoming[b] == 0 && !done[b] {
                ready.insert(b);
            }
        }
    }
    let mut position = vec![0usize; n];
    for (p, &i) in order.iter().enumerate() {
        position[i] = p;
    }
    let mut rank = vec![0usize; n];
    for &a in &order {
        for &b in &outgoing[a] {
            if position[b] > position[a] {
                rank[b] = rank[b].max(rank[a] + 1);
            }
        }
    }
    let ranks = rank.iter().max().map_or(0, |r| r + 1);
    let mut column_width = vec![0.0f64; ranks];
    for i in 0..n {
        column_width[rank[i]] = column_width[rank[i]].max(sizes[i].0);
    }
    let mut column_x = vec![0.0; ranks];
    for r in 1..ranks {
        column_x[r] = column_x[r - 1] + column_width[r - 1] + COLUMN_GAP;
    }
    // Columns are centred on the tallest one.
    let mut column_height = vec![0.0f64; ranks];
    for i in 0..n {
        column_height[rank[i]] += sizes[i].1 + ROW_GAP;
    }
    let tallest = column_height.iter().copied().fold(0.0, f64::max);
    let mut next_y: Vec<f64> = column_height.iter().map(|h| (tallest - h) / 2.0).collect();
    (0..n)
        .map(|i| {
            let r = rank[i];
            let at = Rect {
                x: column_x[r],
                y: next_y[r],
                ..Rect::default()
            };
            next_y[r] += sizes[i].1 + ROW_GAP;
            at
        })
        .collect()
}

/// Draws the report's architecture.
pub(crate) fn draw(report: &Report) -> Drawn {
    let d = Diagram::of_architecture(&report.architecture);
    let threats = node_threats(report);
    let index: FxHashMap<&str, usize> = d
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let texts: Vec<NodeText> = d
        .nodes
        .iter()
        .map(|n| node_text(n, threats.get(n.id.as_str())))
        .collect();
    let sizes: Vec<f64> = texts.iter().map(|t| t.width).collect();

    let large = d.nodes.len() > MAX_LAYOUT_DIAGRAM;
    // Boundaries and the flows inside each of them.
    let clusters_in = d.clusters();
    let mut cluster_of: Vec<usize> = vec![0; d.nodes.len()];
    for (c, nodes) in clusters_in.values().enumerate() {
        for n in nodes {
            cluster_of[index[n.id.as_str()]] = c;
        }
    }
    let mut inner: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); clusters_in.len()];
    let mut crossing: Vec<(usize, usize, usize)> = Vec::new();
    for (fi, f) in d.flows.iter().enumerate() {
        let (Some(&a), Some(&b)) = (index.get(f.from.as_str()), index.get(f.to.as_str())) else {
            continue;
        };
        if a == b {
            continue;
        }
        if cluster_of[a] == cluster_of[b] {
            inner[cluster_of[a]].push((fi, a, b));
        } else {
            crossing.push((fi, a, b));
        }
    }
    let clusters: Vec<Cluster> = clusters_in
        .iter()
        .enumerate()
        .map(|(c, ((key, title), nodes))| {
            let members: Vec<usize> = nodes.iter().map(|n| index[n.id.as_str()]).collect();
            layout_cluster(
                key.clone(),
                title.clone(),
                &members,
                &inner[c],
                &sizes,
                !large,
            )
        })
        .collect();

    // The boundaries as boxes, and the Internet in front of the entry points (last).
    let has_entries = d.entries().next().is_some();
    let mut sizes_of_boxes: Vec<(f64, f64)> =
        clusters.iter().map(|c| (c.width, c.height)).collect();
    let mut links: BTreeSet<(usize, usize)> = BTreeSet::new();
    for &(_, a, b) in &crossing {
        links.insert((cluster_of[a], cluster_of[b]));
    }
    if has_entries {
        let internet = clusters.len();
        sizes_of_boxes.push((2.0 * INTERNET_R, 2.0 * INTERNET_R));
        for e in d.entries() {
            links.insert((internet, cluster_of[index[e.id.as_str()]]));
        }
    }
    let by_layout = !large && clusters.len() <= MAX_LAYOUT_CLUSTERS;
    let placed = by_layout
        .then(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                place_boxes(&sizes_of_boxes, &links)
            }))
            .ok()
        })
        .flatten()
        .unwrap_or_else(|| columns(&sizes_of_boxes, &links));
    // Shift so that everything starts at the margin.
    let min_x = placed.iter().map(|r| r.x).fold(f64::MAX, f64::min);
    let min_y = placed.iter().map(|r| r.y).fold(f64::MAX, f64::min);
    let origin = |r: &Rect| (r.x - min_x + MARGIN, r.y - min_y + MARGIN);
    let mut absolute: Vec<Rect> = vec![Rect::default(); d.nodes.len()];
    let mut width: f64 = 0.0;
    let mut height: f64 = 0.0;
    for (c, cluster) in clusters.iter().enumerate() {
        let (ox, oy) = origin(&placed[c]);
        for (&i, r) in &cluster.nodes {
            absolute[i] = Rect {
                x: r.x + ox,
                y: r.y + oy,
                ..*r
            };
        }
        width = width.max(ox + cluster.width);
        height = height.max(oy + cluster.height);
    }
    let internet_at = has_entries.then(|| {
        let (ox, oy) = origin(&placed[clusters.len()]);
        width = width.max(ox + 2.0 * INTERNET_R);
        height = height.max(oy + 2.0 * INTERNET_R);
        Rect {
            x: ox,
            y: oy,
            w: 2.0 * INTERNET_R,
            h: 2.0 * INTERNET_R,
        }
    });
    width += MARGIN;
    height += MARGIN;

    let mut svg = String::with_capacity(64 * 1024);
    let services = report.architecture.services.len();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"architecture\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"diagram-title diagram-desc\">\n<title id=\"diagram-title\">Architecture of {}</title>\n<desc id=\"diagram-desc\">{} nodes ({services} services, {} data stores, {} brokers, {} entry points) in {} trust boundaries, and {} flows; flows drawn red and marked ⚠ are not encrypted or not authenticated.</desc>\n",
        escape(&report.target),
        d.nodes.len(),
        report.architecture.data_stores.len(),
        report.architecture.message_brokers.len(),
        report.architecture.entry_points.len(),
        clusters.len(),
        d.flows.len()
    );
    svg.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#475569\"/></marker><marker id=\"arrow-weak\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#b91c1c\"/></marker></defs>\n");

    for (c, cluster) in clusters.iter().enumerate() {
        let (ox, oy) = origin(&placed[c]);
        let _ = write!(
            svg,
            "<g class=\"cluster\" data-cluster=\"{}\"><rect x=\"{ox:.1}\" y=\"{oy:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"10\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>\n",
            escape(&cluster.key),
            cluster.width,
            cluster.height,
            ox + CLUSTER_PAD,
            oy + CLUSTER_PAD + 4.0,
            escape(&cluster.title)
        );
    }

    let labelled = d.flows.len() <= MAX_LABELLED_FLOWS;
    svg.push_str("<g class=\"flows\">\n");
    if let Some(at) = internet_at {
        for e in d.entries() {
            let to = absolute[index[e.id.as_str()]];
            let from = Rect { ..at };
            let _ = writeln!(
                svg,
                "<path class=\"flow entry\" d=\"{}\" marker-end=\"url(#arrow)\"><title>Internet → {}</title></path>",
                cross_path(from, to).0,
                escape(&e.name)
            );
        }
    }
    let cluster_curves: BTreeMap<usize, (usize, &(Vec<(Point, Point)>, (bool, bool)))> = clusters
        .iter()
        .enumerate()
        .flat_map(|(c, cl)| cl.curves.iter().map(move |(f, curve)| (*f, (c, curve))))
        .collect();
    for (fi, f) in d.flows.iter().enumerate() {
        let (Some(&a), Some(&b)) = (index.get(f.from.as_str()), index.get(f.to.as_str())) else {
            continue;
        };
        if a == b {
            continue;
        }
        let weak = d.flow_is_weak(f);
        let ((path, middle), heads) = match cluster_curves.get(&fi) {
            Some((c, (points, heads))) => {
                let (ox, oy) = origin(&placed[*c]);
                let moved: Vec<(Point, Point)> = points
                    .iter()
                    .map(|(p, q)| {
                        (
                            Point::new(p.x + ox, p.y + oy),
                            Point::new(q.x + ox, q.y + oy),
                        )
                    })
                    .collect();
                (path_data(&moved), *heads)
            }
            None => (cross_path(absolute[a], absolute[b]), (false, true)),
        };
        if path.is_empty() {
            continue;
        }
        let label_at = labelled.then_some(middle);
        svg.push_str(&flow_svg(f, &path, heads, weak, label_at, &d));
    }
    svg.push_str("</g>\n");

    if let Some(at) = internet_at {
        let _ = writeln!(
            svg,
            "<g class=\"internet\"><title>The internet: where outside attackers start</title><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{INTERNET_R}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">Internet</text></g>",
            at.cx(),
            at.cy(),
            at.cx(),
            at.cy() + 4.0
        );
    }
    for (i, n) in d.nodes.iter().enumerate() {
        let r = absolute[i];
        let t = threats.get(n.id.as_str());
        let severity_class = t
            .map(|(_, s)| format!(" sev-{}", s.as_str()))
            .unwrap_or_default();
        let external = if n.external { " external" } else { "" };
        let mut tooltip = format!("{} ({})", n.name, role_word(n));
        if let Some(tech) = &n.technology {
            let _ = write!(tooltip, ", {tech}");
        }
        if let Some((count, worst)) = t {
            let _ = write!(tooltip, ": {count} threats, worst {worst}");
        }
        let _ = write!(
            svg,
            "<g class=\"node role-{}{severity_class}{external}\" data-id=\"{}\" transform=\"translate({:.1} {:.1})\"><title>{}</title>{}",
            match n.role {
                Role::Service => "service",
                Role::DataStore => "store",
                Role::Broker => "broker",
                Role::EntryPoint => "entry",
            },
            escape(&n.id),
            r.x,
            r.y,
            escape(&tooltip),
            node_shape(n, r.w, r.h)
        );
        let text = &texts[i];
        // A cylinder's top rim takes the first few pixels.
        let top = if n.role == Role::DataStore {
            22.0
        } else {
            19.0
        };
        for (line, s) in text.lines.iter().enumerate() {
            let class = match line {
                0 => "name",
                1 => "kind",
                _ => "risk",
            };
            let _ = write!(
                svg,
                "<text class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                r.w / 2.0,
                top + 14.0 * line as f64,
                escape(s)
            );
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>\n");
    Drawn {
        svg,
        nodes: d.nodes.len(),
        width,
        engine: if large {
            "a grid per trust boundary, the boundaries in columns by flow direction (the diagram is too large for layout-rs to lay out quickly)"
        } else {
            "layout-rs (built in), each trust boundary, then the boundaries"
        },
    }
}

fn flow_svg(
    f: &Flow,
    path: &str,
    heads: (bool, bool),
    weak: bool,
    label_at: Option<Point>,
    d: &Diagram,
) -> String {
    let marker = if weak {
        "url(#arrow-weak)"
    } else {
        "url(#arrow)"
    };
    let mut class = String::from("flow");
    if weak {
        class.push_str(" weak");
    }
    if f.is_async {
        class.push_str(" async");
    }
    let name = |id: &str| d.node(id).map_or(id.to_string(), |n| n.name.clone());
    let label = flow_label(f, weak);
    let mut out = format!(
        "<path class=\"{class}\" data-id=\"{}\" data-from=\"{}\" data-to=\"{}\" d=\"{path}\"",
        escape(&f.id),
        escape(&f.from),
        escape(&f.to)
    );
    if heads.0 {
        let _ = write!(out, " marker-start=\"{marker}\"");
    }
    if heads.1 {
        let _ = write!(out, " marker-end=\"{marker}\"");
    }
    let _ = writeln!(
        out,
        "><title>{} → {}: {}</title></path>",
        escape(&name(&f.from)),
        escape(&name(&f.to)),
        escape(&label)
    );
    if let Some(at) = label_at {
        let mut short = f.protocol.clone();
        if let Some(p) = f.port {
            let _ = write!(short, " :{p}");
        }
        if weak {
            short.push_str(" ⚠");
        }
        let _ = writeln!(
            out,
            "<text class=\"flow-label{}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            if weak { " weak" } else { "" },
            at.x,
            at.y + 3.0,
            escape(&short)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `scan` fuzz target: an empty tree gives an empty diagram, and layout-rs
    /// asserts on empty graphs (the panic was caught, but printed, and aborts under libFuzzer).
    #[test]
    fn no_boxes_to_place_is_not_a_panic() {
        assert!(place_boxes(&[], &BTreeSet::new()).is_empty());
    }
}
