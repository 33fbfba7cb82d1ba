use strand_au::async_compute;

#[async_compute]
async fn fetch(id: u32) -> String {
    format!("item {id}")
}

fn main() {
    let _: String = fetch(1).wait().unwrap();
}
