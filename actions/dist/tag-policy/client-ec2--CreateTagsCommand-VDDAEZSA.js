import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as m,b as o,c as t}from"./chunk-LRXOT57Z.js";import{d as r}from"./chunk-WUZD7X6K.js";import"./chunk-DWO5JKHP.js";import"./chunk-EUYPWAM6.js";import"./chunk-RMIBCZSM.js";import"./chunk-LVKEIE3P.js";var e=class extends m(o,t,"CreateTags",r){};export{e as CreateTagsCommand};
