//! The map's program: the public map, its cards, list and filters, and the
//! embed (see `lib.rs` for the other pages' program).

fn main() {
    solidarity_map_web::start_map();
}
