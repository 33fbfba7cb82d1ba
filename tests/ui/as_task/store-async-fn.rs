#[strand::as_task(store)]
async fn fetch(url: String) -> String { // error: at `async`
    url
}

fn main() {}
