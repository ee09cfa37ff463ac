import { type RefObject, useCallback, useEffect, useRef, useState } from "react";

/** Closer than this to the bottom counts as "at the bottom". */
const NEAR_BOTTOM_PX = 48;

/**
 * Keeps `scroller` at the bottom while its `content` grows, until the reader scrolls up; back
 * at the bottom (or after `jumpToLatest`), it follows again.
 */
export function useAutoScroll(
  scroller: RefObject<HTMLElement | null>,
  content: RefObject<HTMLElement | null>,
) {
  const [following, setFollowing] = useState(true);
  const followingRef = useRef(true);
  const lastTop = useRef(0);

  const follow = useCallback((value: boolean) => {
    followingRef.current = value;
    setFollowing(value);
  }, []);

  useEffect(() => {
    const element = scroller.current;
    const inner = content.current;
    if (!element || !inner) return;
    const toBottom = () => {
      element.scrollTop = element.scrollHeight;
      lastTop.current = element.scrollTop;
    };
    const onScroll = () => {
      const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
      if (distance <= NEAR_BOTTOM_PX) {
        if (!followingRef.current) follow(true);
      } else if (element.scrollTop < lastTop.current && followingRef.current) {
        // Only the reader scrolls up; growth and our own scrolling only move down.
        follow(false);
      }
      lastTop.current = element.scrollTop;
    };
    // A wheel or touch upwards means "let me read", even before the scroll position moves.
    const onWheel = (event: WheelEvent) => {
      if (event.deltaY < 0 && followingRef.current) follow(false);
    };
    const observer = new ResizeObserver(() => {
      if (followingRef.current) toBottom();
    });
    observer.observe(inner);
    element.addEventListener("scroll", onScroll, { passive: true });
    element.addEventListener("wheel", onWheel, { passive: true });
    toBottom();
    return () => {
      observer.disconnect();
      element.removeEventListener("scroll", onScroll);
      element.removeEventListener("wheel", onWheel);
    };
  }, [scroller, content, follow]);

  const jumpToLatest = useCallback(() => {
    const element = scroller.current;
    follow(true);
    element?.scrollTo({ top: element.scrollHeight, behavior: "smooth" });
  }, [scroller, follow]);

  return { following, jumpToLatest };
}
