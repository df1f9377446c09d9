//! The pages around the map, each a form or a report: joining and
//! editing, moderation, statistics, the embed builder, blocking a relay
//! sender. Kept out of the map's program, which a visitor downloads first.

fn main() {
    solidarity_map_web::start_pages();
}
