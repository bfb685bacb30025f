package awsfacts

// S3NewerNoncurrentVersions is the most noncurrent versions of an object
// a lifecycle rule can keep (NoncurrentVersionExpiration's
// NewerNoncurrentVersions, "up to 100"; Amazon S3 API Reference,
// NoncurrentVersionExpiration).
const S3NewerNoncurrentVersions = 100
