package replay

// SetBatch makes r apply n events per transaction, so that a test's few events take
// several batches.
func (r *Replayer) SetBatch(n int) { r.batch = n }
