package io.mindstream.train;

/** The click-history file formats the trainer reads. */
public enum InputFormat {
    /** The stream's click events, one JSON object a line: {"user_id", "item_id", "ts", ...}. */
    JSONL,
    /** S3Rec sequences: {@code user item item ...}, oldest first, whitespace separated. */
    S3REC,
    /** MovieLens ratings.csv: userId,movieId,rating,timestamp with a header; every rating is a behaviour. */
    MOVIELENS,
    /** Taobao UserBehavior.csv: user,item,category,behavior,ts without a header. */
    TAOBAO
}
