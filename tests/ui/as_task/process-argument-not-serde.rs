use strand::as_task;

// No `Serialize`/`Deserialize`: it cannot be sent to the child process.
pub struct Image {
    pub pixels: Vec<u8>,
}

#[as_task(process)]
fn brightness(image: Image) -> u32 {
    image.pixels.iter().map(|&p| u32::from(p)).sum()
}

fn main() {
    let _ = brightness(Image { pixels: vec![1, 2] }).join();
}
