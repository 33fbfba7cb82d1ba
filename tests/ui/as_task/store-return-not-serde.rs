use strand::as_task;

pub struct Thumbnail(Vec<u8>);

#[as_task(store)]
fn thumbnail(width: u32) -> Thumbnail { // error: at `Thumbnail`, once
    Thumbnail(vec![0; width as usize])
}

fn main() {
    let _ = thumbnail(2);
}
