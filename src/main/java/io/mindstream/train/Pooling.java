package io.mindstream.train;

/** How a user's behaviours become user vectors. */
public enum Pooling {
    /** MIND: B2I dynamic routing into K' squashed interest capsules. */
    ROUTING,
    /** The single-vector baseline ("YouTube DNN"): one vector, the mean of e_i·S over the behaviours. */
    MEAN
}
