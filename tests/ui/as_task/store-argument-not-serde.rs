use strand::as_task;

// No `Serialize`/`Deserialize`: it cannot be written into the store.
pub struct Image {
    pub pixels: Vec<u8>,
}

#[as_task(store = strand_au::MemoryStore::new())]
fn brightness(image: Image) -> u32 { // error: at `Image`, once
    image.pixels.iter().map(|&p| u32::from(p)).sum()
}

fn main() {
    let _ = brightness(Image { pixels: vec![1, 2] });
}
