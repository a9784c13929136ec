package io.onceflow.core.internal.state;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Whether a state value read back equals the value written: {@code equals} where a class defines it by value, and
 * component by component where it does not mean that (arrays, records holding arrays, collections of another
 * class), so that the check does not fail on values that did survive, nor pass ones that did not ({@code 5L} and
 * {@code 5} differ, and so do a map keyed by {@code 5L} and one keyed by {@code "5"}).
 */
final class StateEquality {

    private StateEquality() {}

    static boolean same(@Nullable Object written, @Nullable Object read) {
        if (written == read) {
            return true;
        }
        if (written == null || read == null) {
            return false;
        }
        if (written.getClass().isArray()) {
            return read.getClass() == written.getClass() && sameArrays(written, read);
        }
        if (written instanceof Map<?, ?> map) {
            return read instanceof Map<?, ?> other && sameMaps(map, other);
        }
        if (written instanceof List<?> list) {
            return read instanceof List<?> other && sameLists(list, other);
        }
        if (written instanceof Set<?> set) {
            return read instanceof Set<?> other && sameSets(set, other);
        }
        if (written instanceof Optional<?> optional) {
            return read instanceof Optional<?> other && same(optional.orElse(null), other.orElse(null));
        }
        if (written.getClass() != read.getClass()) {
            return false;
        }
        if (written instanceof Record) {
            return sameRecords(written, read);
        }
        return written.equals(read);
    }

    private static boolean sameArrays(Object written, Object read) {
        int length = Array.getLength(written);
        if (Array.getLength(read) != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (!same(Array.get(written, i), Array.get(read, i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameMaps(Map<?, ?> written, Map<?, ?> read) {
        if (written.size() != read.size()) {
            return false;
        }
        Map<Object, Class<?>> readKeys = classes(read.keySet());
        for (Map.Entry<?, ?> entry : written.entrySet()) {
            Object key = entry.getKey();
            if (!sameClass(key, readKeys) || !same(entry.getValue(), read.get(key))) {
                return false;
            }
        }
        return true;
    }

    /** Each element's class, by element: {@code 5L} and {@code 5} are equal as keys of some maps, not as state. */
    private static Map<Object, Class<?>> classes(Collection<?> elements) {
        Map<Object, Class<?>> classes = new HashMap<>(elements.size() * 2);
        for (Object element : elements) {
            if (element != null) {
                classes.put(element, element.getClass());
            }
        }
        return classes;
    }

    private static boolean sameClass(@Nullable Object element, Map<Object, Class<?>> read) {
        return element == null || read.get(element) == element.getClass();
    }

    private static boolean sameLists(List<?> written, List<?> read) {
        if (written.size() != read.size()) {
            return false;
        }
        Iterator<?> other = read.iterator();
        for (Object element : written) {
            if (!same(element, other.next())) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameSets(Set<?> written, Set<?> read) {
        if (!written.equals(read)) {
            return false;
        }
        Map<Object, Class<?>> readElements = classes(read);
        for (Object element : written) {
            if (!sameClass(element, readElements)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameRecords(Object written, Object read) {
        for (RecordComponent component : written.getClass().getRecordComponents()) {
            try {
                component.getAccessor().setAccessible(true);
                if (!same(
                        component.getAccessor().invoke(written),
                        component.getAccessor().invoke(read))) {
                    return false;
                }
            } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
                return Objects.equals(written, read);
            }
        }
        return true;
    }
}
