package trail

import "container/list"

// state is a stream's describer with the last version it has seen.
type state struct {
	describer Describer
	version   int64
}

// lru keeps the states of the streams seen last, at most max of them, so memory stays
// bounded however many streams the log holds. It is not safe for concurrent use.
type lru struct {
	max   int
	order *list.List // front: used last
	items map[string]*list.Element
}

type lruItem struct {
	stream string
	state  state
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: map[string]*list.Element{}}
}

// take removes and returns a stream's state.
func (l *lru) take(stream string) (state, bool) {
	el, ok := l.items[stream]
	if !ok {
		return state{}, false
	}
	l.order.Remove(el)
	delete(l.items, stream)
	return el.Value.(*lruItem).state, true
}

// peek returns a stream's state and leaves it kept.
func (l *lru) peek(stream string) (state, bool) {
	el, ok := l.items[stream]
	if !ok {
		return state{}, false
	}
	return el.Value.(*lruItem).state, true
}

// put keeps a stream's state, forgetting the least recently used one when full.
func (l *lru) put(stream string, s state) {
	if el, ok := l.items[stream]; ok {
		el.Value.(*lruItem).state = s
		l.order.MoveToFront(el)
		return
	}
	l.items[stream] = l.order.PushFront(&lruItem{stream: stream, state: s})
	for l.order.Len() > l.max {
		last := l.order.Back()
		l.order.Remove(last)
		delete(l.items, last.Value.(*lruItem).stream)
	}
}

// len is how many states are kept.
func (l *lru) len() int { return l.order.Len() }
